"""Kaifang's web portal: an adapter over catalog/, search/ and harvesters/ (no business logic here)."""

from portal.app import create_app

__all__ = ["create_app"]
