"""A portal with a publishing workspace: two organisations, one person per role, each with a token,
and one published dataset of the organisation `epb`, on each database backend."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from rdflib import Graph, URIRef

from catalog import accounts
from catalog.store import CatalogStore, name_for
from portal import create_app
from portal.config import load
from tests.live import serve

EPB = "https://data.example.cn/org/epb"
OTHER = "https://data.example.cn/org/other"
PASSWORD = "correct horse battery staple"
SEEDED = "https://data.example.cn/dataset/air-quality"
ROLES = ("anonymous", "viewer", "other_editor", "editor", "admin", "sysadmin")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

SEED = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{SEEDED}> a dcat:Dataset ; dct:title "空气质量日报"@zh, "Daily air quality"@en ;
  dct:description "全市空气质量监测数据。"@zh ; dct:publisher <{EPB}> ;
  dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://data.example.cn/files/air.csv> ] .
<{EPB}> a foaf:Organization ; foaf:name "生态环境局"@zh .
"""


def dataset_body(iri: str, title: str = "新数据", publisher: str = EPB) -> dict:
    """A dataset JSON (the GET /api/1/datasets/<name> shape) that conforms to Kaifang's profile."""
    return {"iri": iri, "title": {"zh": title, "en": "New data"}, "description": {"zh": "描述"},
            "keywords": {"zh": ["空气"]},
            "publisher": {"iri": publisher, "name": {"zh": "机构"}},
            "distributions": [{"iri": None, "access_url": "https://data.example.cn/files/new.csv",
                               "title": {"en": "CSV"}}]}


@dataclass
class Workspace:
    app: object
    store: CatalogStore
    tokens: dict[str, str] = field(default_factory=dict)
    seeded: str = name_for(SEEDED)

    def client(self):
        return self.app.test_client()

    epb: str = EPB
    other: str = OTHER
    password: str = PASSWORD
    roles: tuple[str, ...] = ROLES

    @staticmethod
    def body(iri: str, title: str = "新数据", publisher: str = EPB) -> dict:
        return dataset_body(iri, title, publisher)

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": self.tokens[role]} if role in self.tokens else {}

    def browser(self, role: str):
        """A test client signed in as the person of `role` (none for "anonymous") and its CSRF token."""
        client = self.client()
        token = CSRF.search(client.get("/user/login").get_data(as_text=True)).group(1)
        if role == "anonymous":
            return client, token
        form = {"username": role.replace("_", "-"), "password": PASSWORD, "csrf_token": token}
        assert client.post("/user/login", data=form).status_code == 302
        with client.session_transaction() as session:
            return client, session["csrf"]


def _people(s, ws: Workspace) -> None:
    epb = accounts.create_org(s, "epb", "生态环境局", EPB)
    other = accounts.create_org(s, "other", "Other bureau", OTHER)
    memberships = {"viewer": (epb, "viewer"), "other_editor": (other, "editor"),
                   "editor": (epb, "editor"), "admin": (epb, "admin")}
    for role in ROLES[1:]:
        user = accounts.create_user(s, role.replace("_", "-"), f"{role}@example.org", PASSWORD,
                                    sysadmin=role == "sysadmin")
        if role in memberships:
            accounts.set_member(s, *memberships[role][:1], user, memberships[role][1])
        ws.tokens[role] = accounts.create_token(s, user, "tests")[1]


@pytest.fixture
def ws(db_url, tmp_path) -> Iterator[Workspace]:
    app = create_app(load({"DATABASE_URL": db_url, "KAIFANG_VAR": str(tmp_path), "SECRET_KEY": "test"}))
    app.extensions["kaifang"]["throttle"] = accounts.Throttle(max_failures=3, window=timedelta(minutes=15),
                                                              ip_max=8)
    store = app.extensions["kaifang"]["store"]
    workspace = Workspace(app, store)
    with store.sessions.begin() as s:
        _people(s, workspace)
    graph = Graph().parse(data=SEED, format="turtle")
    assert store.upsert(URIRef(SEEDED), graph) == "added"
    yield workspace
    store.engine.dispose()


@pytest.fixture
def server(ws) -> Iterator[str]:
    """The portal on a real HTTP server on 127.0.0.1 (a free port), for ckanapi."""
    with serve(ws.app) as url:
        yield url
