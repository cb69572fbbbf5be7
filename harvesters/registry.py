"""Source type name -> class. Modules are imported only when their type is used, so a broken or
half-written source type never stops the others from running.

Every source type class is constructed as ``cls(config: SourceConfig, client: GuardedClient)``.
"""

from __future__ import annotations

from importlib import import_module

from harvesters.http import GuardedClient
from harvesters.source import HarvestError, SourceConfig, SourceType

TYPES = {
    "dcat": "harvesters.dcat:DcatSource",
    "ckan": "harvesters.ckan:CkanSource",
    "datajson": "harvesters.datajson:DataJsonSource",
    "inventory": "harvesters.inventory:InventorySource",
}


def source_class(type_name: str) -> type:
    try:
        module, name = TYPES[type_name].split(":")
    except KeyError:
        raise HarvestError(f"unknown source type {type_name!r} (known: {', '.join(sorted(TYPES))})") from None
    return getattr(import_module(module), name)


def create(config: SourceConfig, client: GuardedClient) -> SourceType:
    return source_class(config.type)(config, client)
