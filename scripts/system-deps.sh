#!/usr/bin/env bash
# Installs the system packages Kaifang needs (Debian): PostgreSQL for the production store and its tests,
# Java 17+ and Maven, which fetch and run Elasticsearch, and npm for the front-end libraries.
# Idempotent and quiet when all is there.
set -euo pipefail

need_apt=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need_apt+=(postgresql)
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)  # javac builds the analysis plugin
command -v mvn >/dev/null || need_apt+=(maven)
command -v npm >/dev/null || need_apt+=(nodejs npm)
command -v chromium >/dev/null || need_apt+=(chromium)  # browser and accessibility tests
fc-list 2>/dev/null | grep -qi wqy || need_apt+=(fonts-wqy-microhei)  # Chinese text in screenshots

if ((${#need_apt[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Kaifang needs these Debian packages: ${need_apt[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "Installing ${need_apt[*]} ..."
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
fi
