"""Installing the engine: unpack Elasticsearch from Maven Central, build our analysis plugin, install it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from search.engine.config import ES_VERSION, PLUGIN, EngineConfig, EngineError, run


def install(cfg: EngineConfig) -> Path:
    """Unpack Elasticsearch and install our plugin into it; returns the distribution directory.

    A marker keyed on the versions and the plugin's sources makes a second call take milliseconds.
    """
    marker = cfg.dist / ".kaifang-installed"
    key = _install_key(cfg)
    if marker.is_file() and marker.read_text() == key:
        return cfg.dist
    home = java_home(cfg)
    if not (cfg.dist / "bin" / "elasticsearch").is_file():
        _mvn(cfg.home, home, "dependency:unpack")
    _mvn(cfg.home / "plugin", home, "package")
    plugin_cli = [str(cfg.dist / "bin" / "elasticsearch-plugin")]
    env = {**os.environ, "ES_JAVA_HOME": str(home)}
    if (cfg.dist / "plugins" / PLUGIN).exists():
        if pids := nodes_running_from(cfg.dist):
            raise EngineError(
                f"the analysis plugin changed: stop the Elasticsearch nodes {pids} to reinstall it"
            )
        run([*plugin_cli, "remove", PLUGIN], env=env)
    zip_url = (cfg.home / "plugin" / "target" / f"{PLUGIN}.zip").as_uri()
    run([*plugin_cli, "install", "--batch", zip_url], env=env)
    marker.write_text(key)
    return cfg.dist


def java_home(cfg: EngineConfig) -> Path:
    """The configured Java, else JAVA_HOME, else the java on PATH; it must be 17 or newer."""
    if cfg.java_home:
        home = Path(cfg.java_home)
    elif os.environ.get("JAVA_HOME"):
        home = Path(os.environ["JAVA_HOME"])
    elif java := shutil.which("java"):
        home = Path(java).resolve().parent.parent
    else:
        raise EngineError("Java 17+ not found: install openjdk-17-jdk-headless or set JAVA_HOME")
    try:
        out = subprocess.run([str(home / "bin" / "java"), "-version"], capture_output=True, text=True).stderr
    except OSError:
        out = ""
    match = re.search(r'version "(\d+)', out)
    if not match or int(match.group(1)) < 17:
        raise EngineError(f"Java 17+ not found in {home}: install openjdk-17-jdk-headless or set JAVA_HOME")
    return home


def nodes_running_from(dist: Path) -> list[int]:
    """Pids of every node on this machine that runs this distribution, whatever its var dir."""
    marker = f"-Des.path.home={dist}".encode()
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (proc / "cmdline").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def _mvn(project: Path, home: Path, goal: str) -> None:
    if not shutil.which("mvn"):
        raise EngineError("Maven not found: install maven (apt-get install maven)")
    if goal == "package" and not (home / "bin" / "javac").exists():
        raise EngineError(
            f"no javac in {home}: the plugin build needs a JDK: install openjdk-17-jdk-headless"
        )
    run(["mvn", "-q", "-B", goal], cwd=project, env={**os.environ, "JAVA_HOME": str(home)})


def _install_key(cfg: EngineConfig) -> str:
    """Elasticsearch version plus a digest of everything the plugin zip is built from."""
    digest = hashlib.sha256((cfg.home / "pom.xml").read_bytes())
    plugin = cfg.home / "plugin"
    for path in sorted(plugin.rglob("*")):
        relative = path.relative_to(plugin)
        if path.is_file() and relative.parts[0] != "target":
            digest.update(str(relative).encode() + path.read_bytes())
    return f"{ES_VERSION} {digest.hexdigest()}\n"
