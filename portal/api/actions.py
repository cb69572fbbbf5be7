"""The read-only CKAN actions Kaifang answers, as a registry: name -> function(params) -> result.

Each function's docstring is what `help_show` returns. `package_search` joins this registry once the
search service exists: `ACTIONS["package_search"] = package_search`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from catalog.store import PublisherCount, StoredDataset
from catalog.views.ckan import group, organization, tag, to_ckan
from portal.api.errors import NotFound
from portal.api.params import MAX_LIMIT, boolean, integer, required, window
from portal.i18n import lang
from portal.web import deps, listings

Action = Callable[[dict[str, Any]], Any]
ACTIONS: dict[str, Action] = {}
CKAN_VERSION = "2.10.4"  # the API version whose shapes these responses follow


def action(fn: Action) -> Action:
    ACTIONS[fn.__name__] = fn
    return fn


def _dataset(key: str) -> StoredDataset:
    store = deps.store()
    stored = store.get_by_ckan_id(key) or store.get_by_name(key) or store.get(key)
    if stored is None or stored.status != "active":
        raise NotFound("Dataset not found")
    return stored


def _bounds(params: dict[str, Any]) -> tuple[int, int | None]:
    """CKAN's offset/limit, for listings the store pages itself (`window` pages a list in memory)."""
    return integer(params, "offset", 0) or 0, integer(params, "limit", None, maximum=MAX_LIMIT)


@action
def package_show(params: dict[str, Any]) -> dict:
    """Return the metadata of a dataset and its resources. :param id: the id, name or IRI of the dataset"""
    return to_ckan(_dataset(required(params, "id")), lang())


@action
def package_list(params: dict[str, Any]) -> list[str]:
    """Return the names of the site's datasets, sorted. :param limit: :param offset:"""
    offset, limit = _bounds(params)
    return deps.store().names(offset, limit)


@action
def current_package_list_with_resources(params: dict[str, Any]) -> list[dict]:
    """Return datasets with their resources, most recently modified first. :param limit: :param offset:"""
    offset, limit = _bounds({"limit": 100, **params})
    return [to_ckan(stored, lang()) for stored in deps.store().recent(offset, limit)]


def _organizations() -> list:
    return sorted(listings.publishers(), key=lambda p: p.slug)


def _organization(publisher: PublisherCount) -> dict:
    return {**organization(publisher.agent, lang(), publisher.earliest), "package_count": publisher.count}


@action
def organization_list(params: dict[str, Any]) -> list:
    """Return the names of the organizations (publishers), or their dicts with all_fields=true."""
    chosen = window(_organizations(), params)
    return [_organization(p) for p in chosen] if boolean(params, "all_fields") else [p.slug for p in chosen]


@action
def organization_show(params: dict[str, Any]) -> dict:
    """Return an organization (publisher). :param id: name or id :param include_datasets: (default false)"""
    publisher = listings.publisher(required(params, "id"))
    if publisher is None:
        raise NotFound("Organization not found")
    result = _organization(publisher)
    if boolean(params, "include_datasets"):
        found = deps.store().recent(0, MAX_LIMIT, publisher=publisher.slug)
        result["packages"] = [to_ckan(stored, lang()) for stored in found]
    return result


def _groups() -> list[tuple[dict, int]]:
    found = [(group(theme, lang()), count) for theme, count in listings.themes()]
    return sorted(found, key=lambda item: item[0]["name"])


@action
def group_list(params: dict[str, Any]) -> list:
    """Return the names of the groups (DCAT themes), or their dicts with all_fields=true."""
    chosen = window(_groups(), params)
    if boolean(params, "all_fields"):
        return [{**g, "package_count": count} for g, count in chosen]
    return [g["name"] for g, _count in chosen]


@action
def group_show(params: dict[str, Any]) -> dict:
    """Return a group (a DCAT theme). :param id: name or id"""
    key = required(params, "id")
    for found, count in _groups():
        if key in (found["name"], found["id"]):
            return {**found, "package_count": count}
    raise NotFound("Group not found")


@action
def tag_list(params: dict[str, Any]) -> list:
    """Return the tags (keywords) in use. :param query: substring filter :param all_fields:"""
    query = str(params.get("query") or "").casefold()
    names = [t for t in listings.tags() if query in t.casefold()]
    return [tag(n) for n in names] if boolean(params, "all_fields") else names


@action
def status_show(params: dict[str, Any]) -> dict:
    """Return the site's name, URL and the CKAN API version it follows."""
    settings = deps.settings()
    return {"site_title": settings.site_name, "site_description": "",
            "site_url": request.host_url.rstrip("/"),
            "ckan_version": CKAN_VERSION, "locale_default": settings.default_locale, "error_emails_to": None,
            "extensions": ["kaifang", "dcat"]}


@action
def site_read(params: dict[str, Any]) -> bool:
    """Return true: the site can be read."""
    return True


@action
def help_show(params: dict[str, Any]) -> str:
    """Return the help text of an action. :param name: the action"""
    fn = ACTIONS.get(required(params, "name"))
    if fn is None:
        raise NotFound("Action not found")
    return fn.__doc__ or ""
