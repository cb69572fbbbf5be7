"""Kaifang's search engine: a local Elasticsearch 8 node with our analysis plugin (see README.md)."""

from search.engine.config import ENGINE_HOME, ES_VERSION, EngineConfig, EngineError
from search.engine.local import install, start, status, stop

__all__ = ["ENGINE_HOME", "ES_VERSION", "EngineConfig", "EngineError", "install", "start", "status", "stop"]
