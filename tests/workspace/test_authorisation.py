"""Who may do what: every write route and CKAN write action, tried by every kind of caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest
from rdflib import Graph, URIRef

from catalog import accounts
from catalog.model import pick
from catalog.store import name_for
from catalog.views.ckan import ckan_id
from catalog.views.json_in import to_graph

EPB = "https://data.example.cn/org/epb"
OTHER = "https://data.example.cn/org/other"
ROLES = ("anonymous", "viewer", "other_editor", "editor", "admin", "sysadmin")

ALL_EDITORS = dict(zip(ROLES, (401, 403, 403, 200, 200, 200), strict=True))
CKAN_EDITORS = dict(zip(ROLES, (403, 403, 403, 200, 200, 200), strict=True))


def _target(ws, role: str, route: str) -> str:
    """A fresh dataset of `epb` for this caller to act on; returns its IRI."""
    iri = f"https://data.example.cn/dataset/{route}-{role}"
    if not route.endswith("create"):
        node, graph = to_graph(ws.body(iri, "原标题"))
        ws.store.upsert(node, graph)
    return iri


def _rest(method: str, suffix: str = "", body: Callable | None = None):
    def call(ws, role: str, iri: str):
        path = "/api/1/datasets" + ("" if method == "post" and not suffix else f"/{name_for(iri)}") + suffix
        kwargs = {"json": body(ws, iri)} if body else {}
        return getattr(ws.client(), method)(path, headers=ws.headers(role), **kwargs)
    return call


def _ckan(action: str, params: Callable[[str], dict]):
    def call(ws, role: str, iri: str):
        return ws.client().post(f"/api/3/action/{action}", json=params(iri), headers=ws.headers(role))
    return call


def _ckan_pkg(iri: str) -> dict:
    return {"name": iri.rsplit("/", 1)[-1], "title": "新标题", "notes": "描述", "owner_org": "epb",
            "tags": [{"name": "空气"}], "extras": [{"key": "uri", "value": iri}],
            "resources": [{"url": "https://data.example.cn/files/x.csv", "format": "CSV", "name": "CSV"}]}


CASES = {
    "rest_create": (_rest("post", body=lambda ws, iri: ws.body(iri, "新标题")),
                    {**ALL_EDITORS, "editor": 201, "admin": 201, "sysadmin": 201}),
    "rest_update": (_rest("put", body=lambda ws, iri: ws.body(iri, "新标题")), ALL_EDITORS),
    "rest_withdraw": (_rest("post", "/withdraw"), ALL_EDITORS),
    "rest_delete": (_rest("delete"), {**ALL_EDITORS, "editor": 403, "admin": 204, "sysadmin": 204}),
    "ckan_create": (_ckan("package_create", _ckan_pkg), CKAN_EDITORS),
    "ckan_update": (_ckan("package_update", lambda iri: {**_ckan_pkg(iri), "id": ckan_id(iri)}),
                    CKAN_EDITORS),
    "ckan_patch": (_ckan("package_patch", lambda iri: {"id": ckan_id(iri), "title": "新标题"}), CKAN_EDITORS),
    "ckan_delete": (_ckan("package_delete", lambda iri: {"id": ckan_id(iri)}), CKAN_EDITORS),
}


def _effect(ws, route: str, iri: str) -> str:
    """What the store says about the target afterwards: 'absent', 'withdrawn', or its zh title."""
    stored = ws.store.get(iri)
    if stored is None:
        return "absent"
    return "withdrawn" if stored.status == "withdrawn" else pick(stored.dataset.title, "zh")


def _expected_effect(route: str, allowed: bool) -> str:
    if not allowed:
        return "absent" if route.endswith("create") else "原标题"
    gone = {"rest_withdraw": "withdrawn", "ckan_delete": "withdrawn", "rest_delete": "absent"}
    return gone.get(route, "新标题")


@pytest.mark.parametrize("route", list(CASES))
def test_matrix(ws, route):
    call, expected = CASES[route]
    seen, effects = {}, {}
    for role in ROLES:
        iri = _target(ws, role, route)
        seen[role] = call(ws, role, iri).status_code
        effects[role] = _effect(ws, route, iri)
    assert seen == expected
    assert effects == {role: _expected_effect(route, expected[role] < 300) for role in ROLES}


def test_an_editor_cannot_move_a_dataset_to_or_publish_for_another_organisation(ws):
    client = ws.client()
    seeded = ws.store.get_by_name(ws.seeded)
    moved = ws.body(seeded.iri, "抢走", publisher=OTHER)
    for role in ("other_editor", "editor"):
        response = client.put(f"/api/1/datasets/{ws.seeded}", json=moved, headers=ws.headers(role))
        assert response.status_code == 403
    foreign = ws.body("https://data.example.cn/dataset/foreign", publisher=OTHER)
    assert client.post("/api/1/datasets", json=foreign, headers=ws.headers("editor")).status_code == 403
    # a publisher no organisation stands for: only a sysadmin may publish as it
    orphan = ws.body("https://data.example.cn/dataset/orphan", publisher="https://nobody.example/org")
    assert client.post("/api/1/datasets", json=orphan, headers=ws.headers("admin")).status_code == 403
    assert client.post("/api/1/datasets", json=orphan, headers=ws.headers("sysadmin")).status_code == 201
    assert ws.store.get(seeded.iri).dataset.publisher.iri == EPB


def test_writes_by_rdf_body(ws):
    body = to_graph(ws.body("https://data.example.cn/dataset/ttl", "海龟"))[1]
    turtle = body.serialize(format="turtle")
    response = ws.client().post("/api/1/datasets", data=turtle, content_type="text/turtle",
                                headers=ws.headers("editor"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["title"]["zh"] == "海龟"
    jsonld = body.serialize(format="json-ld")
    name = name_for("https://data.example.cn/dataset/ttl")
    response = ws.client().put(f"/api/1/datasets/{name}", data=jsonld, content_type="application/ld+json",
                               headers=ws.headers("editor"))
    assert response.status_code == 200 and response.get_json()["outcome"] == "unchanged"
    two = Graph()
    for iri in ("https://data.example.cn/dataset/a", "https://data.example.cn/dataset/b"):
        two += to_graph(ws.body(iri))[1]
    response = ws.client().post("/api/1/datasets", data=two.serialize(format="xml"),
                                content_type="application/rdf+xml", headers=ws.headers("editor"))
    assert response.status_code == 400 and "2 records" in response.get_json()["detail"]
    assert ws.client().post("/api/1/datasets", data="x", content_type="text/plain",
                            headers=ws.headers("editor")).status_code == 415
    assert ws.store.get(str(URIRef("https://data.example.cn/dataset/a"))) is None


def test_json_round_trip_get_then_put(ws):
    client = ws.client()
    got = client.get(f"/api/1/datasets/{ws.seeded}").get_json()
    assert got["name"] == ws.seeded and got["publisher"]["iri"] == EPB
    response = client.put(f"/api/1/datasets/{ws.seeded}", json=got, headers=ws.headers("editor"))
    assert response.status_code == 200
    answer = response.get_json()
    same = {k: v for k, v in answer.items() if k not in ("outcome", "warnings")}
    assert same == {k: v for k, v in got.items() if k != "links"}  # the same projection


# -- the browser pages of organisations and members (portal/web/members.py) ----------------------------
# Anonymous callers are sent to the login page (302); a refused change leaves everything as it was.
def _statuses(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


PAGE = _statuses(302, 200, 403, 200, 200, 200)
BY_ADMINS = _statuses(302, 403, 403, 403, 303, 303)
BY_SYSADMINS = _statuses(302, 403, 403, 403, 403, 303)


class Route(NamedTuple):
    method: str
    path: str  # formatted with the caller's role
    form: Callable[[object, str], dict] | None  # prepares the target, returns the form
    expected: dict[str, int]
    effect: Callable[[object, str], object] | None = None  # the state the route changes, read back
    done: object = None  # that state after an allowed call; a refused call leaves it as it was


def _person(ws, name: str, role: str | None = None) -> None:
    with ws.store.sessions.begin() as s:
        user = accounts.create_user(s, name, f"{name}@example.org", ws.password)
        if role:
            accounts.set_member(s, accounts.org_by_slug(s, "epb"), user, role)


def _role_of(name: str) -> Callable[[object, str], str | None]:
    def effect(ws, role: str) -> str | None:
        with ws.store.sessions() as s:
            return accounts.role_in(s, accounts.user_by_name(s, name.format(role=role.replace("_", "-"))),
                                    accounts.org_by_slug(s, "epb"))
    return effect


def _renamed_by(ws, role: str) -> bool:
    with ws.store.sessions() as s:
        return accounts.org_by_slug(s, "epb").title_en == f"renamed by {role}"


def _new_person(ws, role: str) -> dict:
    _person(ws, f"new-{role.replace('_', '-')}")
    return {"user": f"new-{role.replace('_', '-')}@example.org", "role": "editor"}


def _a_viewer(form: dict) -> Callable[[object, str], dict]:
    def prepare(ws, role: str) -> dict:
        _person(ws, f"member-{role.replace('_', '-')}", "viewer")
        return form
    return prepare


def _org_exists(ws, role: str) -> bool:
    with ws.store.sessions() as s:
        return accounts.org_by_slug(s, f"org-{role.replace('_', '-')}") is not None


MEMBER_CASES = {
    "orgs_page": Route("get", "/workspace/orgs", None, {**PAGE, "other_editor": 200}),
    "org_page": Route("get", "/workspace/orgs/epb", None, PAGE),
    "new_org_page": Route("get", "/workspace/orgs/new", None, {**BY_SYSADMINS, "sysadmin": 200}),
    "create_org": Route("post", "/workspace/orgs/new",
                        lambda ws, role: {"slug": f"org-{role.replace('_', '-')}", "title": "新机构",
                                          "publisher": f"https://data.example.cn/org/new-{role}"},
                        BY_SYSADMINS, _org_exists, True),
    "edit_org_page": Route("get", "/workspace/orgs/epb/edit", None, _statuses(302, 403, 403, 403, 200, 200)),
    "edit_org": Route("post", "/workspace/orgs/epb/edit",
                      lambda ws, role: {"title": "生态环境局", "title_en": f"renamed by {role}"},
                      BY_ADMINS, _renamed_by, True),
    "add_member": Route("post", "/workspace/orgs/epb/members", _new_person, BY_ADMINS,
                        _role_of("new-{role}"), "editor"),
    "change_role": Route("post", "/workspace/orgs/epb/members/member-{role}/role",
                         _a_viewer({"role": "editor"}), BY_ADMINS, _role_of("member-{role}"), "editor"),
    "remove_member": Route("post", "/workspace/orgs/epb/members/member-{role}/remove", _a_viewer({}),
                           BY_ADMINS, _role_of("member-{role}"), None),
    # the admin is epb's only admin, so may not leave (422); a sysadmin who is no member has nothing to leave
    "leave": Route("post", "/workspace/orgs/epb/leave", None, _statuses(302, 303, 403, 303, 422, 403),
                   _role_of("{role}"), None),
}


@pytest.mark.parametrize("route", list(MEMBER_CASES))
def test_member_matrix(ws, route):
    """Every organisation page tried as every kind of caller: the status, and what changed."""
    case = MEMBER_CASES[route]
    seen, effects, wanted = {}, {}, {}
    for role in ROLES:
        form = case.form(ws, role) if case.form else {}
        before = case.effect(ws, role) if case.effect else None
        client, token = ws.browser(role)
        path = case.path.format(role=role.replace("_", "-"))
        call = getattr(client, case.method)
        response = call(path, data={**form, "csrf_token": token}) if case.method == "post" else call(path)
        seen[role] = response.status_code
        if response.status_code == 302:
            assert "/user/login" in response.headers["Location"]
        if case.effect:
            effects[role] = case.effect(ws, role)
            wanted[role] = case.done if response.status_code in (200, 303) else before
    assert seen == case.expected
    assert effects == wanted
