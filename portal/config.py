"""Configuration from environment variables with safe defaults. The only module that reads os.environ."""

from __future__ import annotations

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
        # A random key per process is safe (sessions just do not survive restarts); set one in production.
        secret_key=env.get("SECRET_KEY") or secrets.token_hex(32),
        site_name=env.get("KAIFANG_SITE_NAME", "Kaifang 开放数据"),
        default_locale=env.get("KAIFANG_DEFAULT_LOCALE", "zh"),
    )
