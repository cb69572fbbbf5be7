"""Configuration from environment variables with safe defaults. The only module that reads os.environ."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    var: Path
    database_url: str
    elasticsearch_url: str
    elasticsearch_port: int
    index_prefix: str
    secret_key: str = field(repr=False)
    site_name: str = "Kaifang 开放数据"
    default_locale: str = "zh"
    # Map tiles are optional: without them maps draw the offline base layer shipped in static/geo/.
    # Deployments for a Chinese government must use an approved standard map (审图号) here.
    tile_url: str = ""
    secure_cookies: bool = False  # set in production (HTTPS): session cookies are then never sent in clear
    trusted_proxies: int = 0  # reverse proxies in front of the app, for client addresses in logs and limits
    # Networks besides the public internet that web-added harvest sources may reach (an intranet's);
    # empty: none. The command line can allow more per source.
    harvest_allow_networks: tuple[str, ...] = ()
    tile_attribution: str = ""
    shapes: Path = ROOT / "vocab" / "shapes" / "kaifang-dcat-ap.ttl"

    @property
    def engine_home(self) -> Path:
        return ROOT / "search" / "engine"


def load(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    var = Path(env.get("KAIFANG_VAR", ROOT / "var")).resolve()
    port = int(env.get("ELASTICSEARCH_PORT", "9200"))
    return Settings(
        var=var,
        database_url=env.get("DATABASE_URL", f"sqlite:///{var / 'kaifang.db'}"),
        elasticsearch_url=env.get("ELASTICSEARCH_URL", f"http://127.0.0.1:{port}"),
        elasticsearch_port=port,
        index_prefix=env.get("KAIFANG_INDEX_PREFIX", "kaifang"),
        secret_key=env.get("SECRET_KEY") or _local_secret(var),
        site_name=env.get("KAIFANG_SITE_NAME", "Kaifang 开放数据"),
        default_locale=env.get("KAIFANG_DEFAULT_LOCALE", "zh"),
        tile_url=env.get("KAIFANG_TILE_URL", ""),
        secure_cookies=env.get("KAIFANG_SECURE_COOKIES", "") in ("1", "true", "yes"),
        trusted_proxies=int(env.get("KAIFANG_TRUSTED_PROXIES", "0")),
        harvest_allow_networks=tuple(filter(None, env.get("KAIFANG_HARVEST_ALLOW_NETWORKS", "").split(","))),
        tile_attribution=env.get("KAIFANG_TILE_ATTRIBUTION", ""),
    )


def _local_secret(var: Path) -> str:
    """Without SECRET_KEY, one random key kept in var/ (mode 0600), so every worker process signs
    sessions alike and they survive restarts. Production sets SECRET_KEY."""
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        tmp = var / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):  # another worker won the race: use its key
            os.link(tmp, path)  # atomic: readers never see a half-written key
        tmp.unlink()
    return path.read_text(encoding="ascii").strip()
