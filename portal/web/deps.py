"""Access to the services the app factory wired up, so views never build their own."""

from __future__ import annotations

from elasticsearch import Elasticsearch
from flask import current_app

from catalog.store import CatalogStore
from portal.config import Settings


def settings() -> Settings:
    return current_app.extensions["kaifang"]["settings"]


def store() -> CatalogStore:
    return current_app.extensions["kaifang"]["store"]


def es() -> Elasticsearch:
    return current_app.extensions["kaifang"]["es"]
