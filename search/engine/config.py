"""What the engine modules share: the node's configuration, its error type and a checked command runner."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

ES_VERSION = "8.19.21"
# our plugins: name -> source folder under ENGINE_HOME (Maven project whose target/ holds {name}.zip)
PLUGINS = {"kaifang-analysis": "plugin", "kaifang-geo": "geo-plugin"}
ES_USER = "kaifang-es"
ENGINE_HOME = Path(__file__).resolve().parent


@dataclass(frozen=True)
class EngineConfig:
    home: Path  # search/engine: pom.xml, plugin/, geo-plugin/
    var: Path  # conf/, data/, logs/, es.pid, es.log
    port: int = 9200
    heap: str = "1g"
    java_home: Path | None = None  # else JAVA_HOME, else the java on PATH

    def __post_init__(self) -> None:
        # absolute paths: Elasticsearch would resolve relative ones against its own home, not our cwd
        object.__setattr__(self, "home", Path(self.home).resolve())
        object.__setattr__(self, "var", Path(self.var).resolve())

    @property
    def dist(self) -> Path:
        return self.home / "target" / f"elasticsearch-{ES_VERSION}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.var / "es.pid"

    @property
    def log_file(self) -> Path:
        return self.var / "es.log"


class EngineError(RuntimeError):
    """A problem the developer can fix; the message says how."""


def run(cmd: list[str], **kwargs) -> None:
    """Run a tool; on failure raise EngineError with the end of its output, which names the cause."""
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-20:]
        raise EngineError(f"{' '.join(cmd[:3])} failed ({result.returncode}):\n" + "\n".join(output))
