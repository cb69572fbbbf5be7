"""Access to the services the app factory wired up, so views never build their own."""

from __future__ import annotations

from elasticsearch import Elasticsearch
from flask import current_app

from catalog.store import CatalogStore
from portal.config import Settings
from search.query import SearchService


def settings() -> Settings:
    return current_app.extensions["kaifang"]["settings"]


def store() -> CatalogStore:
    return current_app.extensions["kaifang"]["store"]


def es() -> Elasticsearch:
    return current_app.extensions["kaifang"]["es"]


def search() -> SearchService:
    """One search service per app (built on first use), over the index named by KAIFANG_INDEX_PREFIX."""
    services = current_app.extensions["kaifang"]
    if "search" not in services:
        services["search"] = SearchService(es(), settings().index_prefix)
    return services["search"]
