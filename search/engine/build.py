"""Installing the engine: unpack Elasticsearch from Maven Central, build our plugins, install them."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from search.engine.config import ES_VERSION, PLUGINS, EngineConfig, EngineError, run


def install(cfg: EngineConfig) -> Path:
    """Unpack Elasticsearch and install each of our plugins into it; returns the distribution directory.

    A marker per plugin, keyed on the versions and the plugin's sources, makes a second call take
    milliseconds. A plugin new to the distribution installs even while nodes run from it: they load it at
    their next start. Replacing an installed one waits until they are stopped.
    """
    home = None
    for name, folder in PLUGINS.items():
        marker = cfg.dist / f".{name}-installed"
        key = _install_key(cfg, folder)
        if marker.is_file() and marker.read_text() == key:
            continue
        home = home or java_home(cfg)
        if not (cfg.dist / "bin" / "elasticsearch").is_file():
            _mvn(cfg.home, home, "dependency:unpack")
        _install_plugin(cfg, home, name, folder)
        marker.write_text(key)
    return cfg.dist


def _install_plugin(cfg: EngineConfig, home: Path, name: str, folder: str) -> None:
    _mvn(cfg.home / folder, home, "package")
    plugin_cli = [str(cfg.dist / "bin" / "elasticsearch-plugin")]
    env = {**os.environ, "ES_JAVA_HOME": str(home)}
    if (cfg.dist / "plugins" / name).exists():
        if pids := nodes_running_from(cfg.dist):
            raise EngineError(f"plugin {name} changed: stop the Elasticsearch nodes {pids} to reinstall it")
        run([*plugin_cli, "remove", name], env=env)
    zip_url = (cfg.home / folder / "target" / f"{name}.zip").as_uri()
    run([*plugin_cli, "install", "--batch", zip_url], env=env)


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


def _install_key(cfg: EngineConfig, folder: str) -> str:
    """Elasticsearch version plus a digest of everything the plugin zip is built from."""
    digest = hashlib.sha256((cfg.home / "pom.xml").read_bytes())
    plugin = cfg.home / folder
    for path in sorted(plugin.rglob("*")):
        relative = path.relative_to(plugin)
        if path.is_file() and relative.parts[0] != "target":
            digest.update(str(relative).encode() + path.read_bytes())
    return f"{ES_VERSION} {digest.hexdigest()}\n"
