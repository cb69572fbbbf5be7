"""CKAN write actions (package_create, package_update, package_patch, package_delete) over Kaifang's
publishing rules, so existing CKAN publishing scripts work unchanged with a Kaifang API token.

The CKAN dict is mapped to DCAT by the CKAN harvester's mapping (`harvesters.ckan.ckan_to_dcat`), the
mapping Kaifang already documents (docs/mapping.md). `owner_org` names the organisation (its slug, or its
CKAN id as `organization_show` gives it); the dataset's dct:publisher becomes that organisation's
publisher IRI, named by the organisation's titles (`catalog.publishing`), and the record is stored under
the source `catalog.publishing.CKAN_SOURCE`, so renaming the organisation renames it too. New datasets get
the IRI `<site>/id/dataset/<name>` unless the dict has a `uri` extra. package_delete withdraws (CKAN's
delete is a soft delete too). Errors use CKAN's shapes: 403 "Authorization Error", 404 "Not Found Error",
409 "Validation Error" (SHACL findings under `dcat`).
"""

from __future__ import annotations

from typing import Any

from flask import request
from rdflib import Graph, URIRef
from sqlalchemy import select

from catalog.accounts import OrganisationRow, UserRow
from catalog.model import pick
from catalog.namespaces import DCT, FOAF, RDF
from catalog.publishing import CKAN_SOURCE, name_publisher
from catalog.store import StoredDataset
from catalog.views.ckan import ckan_id, to_ckan
from harvesters.ckan import ckan_to_dcat
from harvesters.mapping import mint
from harvesters.source import HarvestError
from portal import auth
from portal.api import write
from portal.api.actions import ACTIONS
from portal.api.errors import ActionError, NotFound, ValidationError
from portal.i18n import lang
from portal.web import deps


class NotAuthorized(ActionError):
    status = 403
    type = "Authorization Error"


def _user() -> UserRow:
    user = auth.current_user()
    if user is None:
        raise NotAuthorized("Action requires an API token in the Authorization header")
    return user


def _base() -> str:
    return request.host_url.rstrip("/") + "/id"


def _org(key: Any) -> OrganisationRow:
    if not isinstance(key, str) or not key:
        raise ValidationError({"owner_org": ["Missing value"]})
    with deps.store().sessions() as s:
        for org in s.scalars(select(OrganisationRow)):
            if key in (org.slug, ckan_id(org.publisher_iri), org.publisher_iri):
                return org
    raise ValidationError({"owner_org": ["Organization does not exist"]})


def _find(params: dict[str, Any]) -> StoredDataset:
    """By CKAN id (uuid5 of the IRI), Kaifang name, IRI, or the CKAN name it was created with."""
    store = deps.store()
    for key in (params.get("id"), params.get("name")):
        if not isinstance(key, str) or not key:
            continue
        found = (store.get_by_ckan_id(key) or store.get_by_name(key) or store.get(key)
                 or store.get(str(mint(_base(), "dataset", key))))
        if found is not None:
            return found
    raise NotFound("Dataset not found")


def _graph(pkg: dict[str, Any], org: OrganisationRow, iri: str | None = None) -> tuple[URIRef, Graph]:
    """CKAN dict -> DCAT graph with the organisation as publisher (and a fixed IRI on update)."""
    clean = {k: v for k, v in pkg.items() if k not in ("organization", "owner_org")}
    clean["id"] = clean.get("id") or clean.get("name")
    try:
        mapped = ckan_to_dcat(clean, _base(), lang=None)
    except HarvestError as exc:
        raise ValidationError({"__body": [str(exc)]}) from exc
    node, graph = mapped.node, mapped.graph
    if iri is not None and str(node) != iri:
        node, graph = URIRef(iri), _rename(graph, node, URIRef(iri))
    publisher = URIRef(org.publisher_iri)
    graph.remove((node, DCT.publisher, None))
    graph.add((node, DCT.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    name_publisher(graph, org)  # the organisation names its agent, not the dict's extras
    return node, graph


def _rename(graph: Graph, old: URIRef, new: URIRef) -> Graph:
    out = Graph()
    for s, p, o in graph:
        out.add((new if s == old else s, p, new if o == old else o))
    return out


def _save(user: UserRow, node: URIRef, graph: Graph, replaces: StoredDataset | None, action: str) -> dict:
    try:
        published = write.publish(user, node, graph, replaces=replaces, action=action, source=CKAN_SOURCE)
    except write.Problem as exc:
        raise _ckan_error(exc) from exc
    return to_ckan(published.stored, lang())


def _ckan_error(exc: write.Problem) -> ActionError:
    if exc.status == 403:
        return NotAuthorized(exc.detail)
    findings = exc.extra.get("findings") or []
    messages = [f"{f['severity']}: {pick(f['message'], 'en')} ({f.get('path') or f['focus']})"
                for f in findings]
    return ValidationError({"dcat": messages or [exc.detail or exc.title]})


def package_create(params: dict[str, Any]) -> dict:
    """Create a dataset from a CKAN package dict. :param name: :param owner_org: the organisation
    :param title: :param notes: :param resources: ... (any CKAN package field)"""
    user = _user()
    if not isinstance(params.get("name"), str) or not params["name"]:
        raise ValidationError({"name": ["Missing value"]})
    org = _org(params.get("owner_org"))
    node, graph = _graph(params, org)
    if deps.store().get(str(node)) is not None:
        raise ValidationError({"name": ["That URL is already in use."]})
    return _save(user, node, graph, None, "create")


def package_update(params: dict[str, Any]) -> dict:
    """Replace a dataset with a CKAN package dict. :param id: the id or name of the dataset"""
    user = _user()
    stored = _find(params)
    publisher = stored.dataset.publisher
    current = ckan_id(publisher.iri) if publisher and publisher.iri else None
    node, graph = _graph(params, _org(params.get("owner_org") or current), stored.iri)
    return _save(user, node, graph, stored, "update")


def package_patch(params: dict[str, Any]) -> dict:
    """Change some fields of a dataset; the others keep their values. :param id: the id or name"""
    stored = _find(params)
    _user()
    current = to_ckan(stored, lang())
    patch = {k: v for k, v in params.items() if k not in ("id", "name")}
    # A patched field replaces its every-language copy too (title -> title_translated), else both map.
    stale = {f"{k}_translated" for k in patch} - set(patch)
    merged = {**{k: v for k, v in current.items() if k not in stale}, **patch}
    return package_update(merged | {"id": current["id"]})


def package_delete(params: dict[str, Any]) -> None:
    """Delete (withdraw) a dataset; it stays in the store and its history. :param id: the id or name"""
    user = _user()
    stored = _find(params)
    try:
        write.withdraw(user, stored)
    except write.Problem as exc:
        raise _ckan_error(exc) from exc


def register() -> None:
    for fn in (package_create, package_update, package_patch, package_delete):
        ACTIONS[fn.__name__] = fn
