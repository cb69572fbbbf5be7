"""Renaming an organisation renames the publisher of the datasets it published through the CKAN write API
(decision 0013): their stored graphs, dataset pages, CKAN dicts, DCAT exports and search documents carry
the new names in both languages, each record re-stored and audited like any write, in the rename's own
transaction. Records whose publisher was named by a harvest, an import or a REST body keep that name."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from catalog import accounts, audit, publishing
from catalog.namespaces import DCT, FOAF
from catalog.validation import Validator
from catalog.views.search_doc import search_document
from harvesters import jobs
from portal.cli import main

ORG = "/workspace/orgs/epb"
EPB = "https://data.example.cn/org/epb"
ZH, EN = "生态环境厅", "Department of Ecology and Environment"
RENAMED = {Literal(ZH, lang="zh"), Literal(EN, lang="en")}
HARVESTED = "https://data.example.cn/dataset/river-quality"
# Organisation names of at most 12 characters: a profile the new English name breaks.
SHORT_NAMES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<urn:test:short-names> a sh:NodeShape ; sh:targetClass foaf:Organization ;
  sh:property [ sh:path foaf:name ; sh:maxLength 12 ; sh:severity sh:Violation ] .
"""


def _package(name: str) -> dict:
    return {"name": name, "title": "公交线路", "notes": "全市公交线路。", "owner_org": "epb",
            "license_id": "CC-BY-4.0", "tags": [{"name": "交通"}],
            "resources": [{"url": "https://data.example.cn/files/bus.csv", "format": "CSV", "name": "线路"}]}


def _ckan(ws, action: str, params: dict, lang: str = "zh") -> dict:
    response = ws.client().post(f"/api/3/action/{action}?lang={lang}", json=params,
                                headers=ws.headers("editor"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["result"]


def _publish_through_ckan(ws, name: str = "bus-routes") -> str:
    """epb's editor publishes a dataset with a CKAN script; it is named "生态环境局" (no English title)."""
    created = _ckan(ws, "package_create", _package(name))
    iri = ws.store.get_by_ckan_id(created["id"]).iri
    assert _names(ws, iri) == {Literal("生态环境局")}
    return iri


def _rename_in_the_browser(ws, title: str = ZH, title_en: str = EN, lang: str = "en"):
    client, token = ws.browser("admin")
    return client.post(f"{ORG}/edit?lang={lang}", data={"title": title, "title_en": title_en,
                                                        "csrf_token": token})


def _names(ws, iri: str) -> set[Literal]:
    graph = ws.store.get(iri).graph()
    assert (URIRef(iri), DCT.publisher, URIRef(EPB)) in graph
    return set(graph.objects(URIRef(EPB), FOAF.name))


def _queued(ws) -> list[tuple[str, str]]:
    """(IRI, op) of the search outbox, oldest first."""
    return [(iri, op) for _, iri, op in ws.store.outbox_peek(limit=10_000)]


def _harvest(ws) -> None:
    """A record of epb's own portal, harvested: its source names the publisher "生态环境局（旧）"."""
    graph = Graph().parse(format="turtle", data=f"""
        @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        <{HARVESTED}> a dcat:Dataset ; dct:title "河流水质"@zh ; dct:description "河流断面水质。"@zh ;
          dct:publisher <{EPB}> .
        <{EPB}> a foaf:Organization ; foaf:name "生态环境局（旧）"@zh .""")
    assert ws.store.upsert(URIRef(HARVESTED), graph, source=jobs.source_key("epb-portal")) == "added"


# -- what a rename changes --------------------------------------------------------------------------
def test_renaming_in_the_workspace_renames_the_datasets_published_through_ckan(ws):
    iri = _publish_through_ckan(ws)
    stored = ws.store.get(iri)
    assert stored.source == publishing.CKAN_SOURCE
    queued = len(_queued(ws))

    assert _rename_in_the_browser(ws).status_code == 303

    assert _names(ws, iri) == RENAMED
    renamed = ws.store.get(iri)
    assert renamed.dataset.publisher.name == {"zh": ZH, "en": EN}
    assert renamed.content_hash != stored.content_hash and renamed.source == publishing.CKAN_SOURCE
    assert renamed.dataset.title == stored.dataset.title  # nothing but the names changed
    # its SHACL report is of the renamed content, and the search index is told to index it again
    assert renamed.report["content_hash"] == renamed.content_hash and renamed.report["conforms"] is not None
    assert _queued(ws)[queued:] == [(iri, "index")]
    document = search_document(renamed.dataset, content_hash=renamed.content_hash, name=renamed.name,
                               source=renamed.source, report=renamed.report)
    assert document["display"]["publisher"] == {"zh": ZH, "en": EN} and EN in document["all_text"]


def test_the_dataset_page_ckan_dicts_and_dcat_exports_show_the_new_names(ws):
    iri = _publish_through_ckan(ws)
    name = ws.store.get(iri).name
    assert _rename_in_the_browser(ws).status_code == 303

    client = ws.client()
    en = client.get(f"/dataset/{name}?lang=en").get_data(as_text=True)
    zh = client.get(f"/dataset/{name}?lang=zh").get_data(as_text=True)
    assert f'<span lang="en">{EN}</span>' in en and "生态环境局" not in en
    assert f'<span lang="zh">{ZH}</span>' in zh and "生态环境局" not in zh
    turtle = client.get(f"/dataset/{name}.ttl").get_data(as_text=True)
    assert f'"{ZH}"@zh' in turtle and f'"{EN}"@en' in turtle and '"生态环境局"' not in turtle
    shown = {lang: _ckan(ws, "package_show", {"id": name}, lang) for lang in ("zh", "en")}
    assert {lang: package["organization"]["title"] for lang, package in shown.items()} == {"zh": ZH, "en": EN}
    names = {lang: {e["key"]: e["value"] for e in package["extras"]}["publisher_name"]
             for lang, package in shown.items()}
    assert names == {"zh": ZH, "en": EN}  # ckanext-dcat's one-language extra, in the reader's language


def test_each_renamed_dataset_is_audited_with_the_rename(ws):
    iri = _publish_through_ckan(ws)
    assert _rename_in_the_browser(ws).status_code == 303
    with ws.store.sessions() as s:
        (organisation,) = audit.events(s, object_type="organisation", organisation="epb")
        latest = audit.events(s, object_type="dataset", object_id=iri)[0]
    assert organisation.diff == {"title": {"from": "生态环境局", "to": ZH},
                                 "title_en": {"from": None, "to": EN}}
    assert (latest.action, latest.actor_name, latest.organisation) == ("update", "admin", "epb")
    assert latest.diff == {"publisher.name.": {"from": "生态环境局", "to": None},
                           "publisher.name.en": {"from": None, "to": EN},
                           "publisher.name.zh": {"from": None, "to": ZH}}
    page = ws.client().get("/organization/epb/activity?lang=en").get_data(as_text=True)
    assert "publisher.name.en" in page


def test_kaifang_org_edit_renames_them_too(ws, db_url):
    iri = _publish_through_ckan(ws)
    queued = len(_queued(ws))
    result = CliRunner().invoke(main, ["org", "edit", "epb", "--title", ZH, "--title-en", EN],
                                env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert f"{ZH} / {EN}; 1 datasets renamed" in result.output
    assert _names(ws, iri) == RENAMED
    assert _queued(ws)[queued:] == [(iri, "index")]
    with ws.store.sessions() as s:
        assert audit.events(s, object_type="dataset", object_id=iri)[0].actor_name == "cli"
    # dropping the English title names the publisher by the one title, untagged, as a publish would
    assert CliRunner().invoke(main, ["org", "edit", "epb", "--title-en", ""],
                              env={"DATABASE_URL": db_url}).exit_code == 0
    assert _names(ws, iri) == {Literal(ZH)}


# -- what a rename leaves alone -----------------------------------------------------------------------
def test_harvested_imported_and_rest_written_datasets_keep_the_name_their_source_gave(ws):
    ckan = _publish_through_ckan(ws)
    _harvest(ws)
    rest = "https://data.example.cn/dataset/noise"
    response = ws.client().post("/api/1/datasets", json=ws.body(rest, "噪声监测"),
                                headers=ws.headers("editor"))
    assert response.status_code == 201, response.get_data(as_text=True)
    seeded = "https://data.example.cn/dataset/air-quality"  # imported (no source), named "生态环境局"@zh
    before = {iri: ws.store.get(iri) for iri in (HARVESTED, rest, seeded)}
    queued = len(_queued(ws))

    assert _rename_in_the_browser(ws).status_code == 303

    assert _names(ws, ckan) == RENAMED
    assert _names(ws, HARVESTED) == {Literal("生态环境局（旧）", lang="zh")}
    assert _names(ws, rest) == {Literal("机构", lang="zh")}
    assert _names(ws, seeded) == {Literal("生态环境局", lang="zh")}
    for iri, stored in before.items():
        assert ws.store.get(iri).content_hash == stored.content_hash, iri
    assert _queued(ws)[queued:] == [(ckan, "index")]


def test_the_last_write_path_decides_whether_a_rename_reaches_a_dataset(ws):
    iri = _publish_through_ckan(ws)
    name = ws.store.get(iri).name
    body = ws.body(iri, "公交线路")  # a REST client replaces it, naming the publisher itself
    response = ws.client().put(f"/api/1/datasets/{name}", json=body, headers=ws.headers("editor"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _rename_in_the_browser(ws).status_code == 303
    assert _names(ws, iri) == {Literal("机构", lang="zh")}

    _ckan(ws, "package_patch", {"id": name, "notes": "更新说明"})  # published through CKAN again
    assert _names(ws, iri) == RENAMED
    assert _rename_in_the_browser(ws, "生态环境部", "Ministry of Ecology").status_code == 303
    assert _names(ws, iri) == {Literal("生态环境部", lang="zh"), Literal("Ministry of Ecology", lang="en")}


def test_a_withdrawn_dataset_stays_withdrawn_and_untouched(ws):
    iri = _publish_through_ckan(ws)
    _ckan(ws, "package_delete", {"id": ws.store.get(iri).name})
    withdrawn = ws.store.get(iri)
    assert _rename_in_the_browser(ws).status_code == 303
    after = ws.store.get(iri)
    assert (after.status, after.content_hash) == ("withdrawn", withdrawn.content_hash)


def test_renaming_to_the_same_titles_rewrites_nothing(ws):
    iri = _publish_through_ckan(ws)
    stored, queued = ws.store.get(iri), len(_queued(ws))
    assert _rename_in_the_browser(ws, "生态环境局", "").status_code == 303
    assert ws.store.get(iri).updated_at == stored.updated_at and len(_queued(ws)) == queued


# -- all or nothing -----------------------------------------------------------------------------------
def test_a_rename_a_dataset_cannot_take_is_refused_whole(ws):
    """With a profile that allows names of at most 12 characters, the English name would make the
    dataset fail validation: the rename is refused, and neither the titles nor any record change."""
    iri = _publish_through_ckan(ws)
    stored, queued = ws.store.get(iri), len(_queued(ws))
    ws.app.extensions["kaifang"]["validator"] = Validator(Graph().parse(data=SHORT_NAMES, format="turtle"))

    refused = _rename_in_the_browser(ws)
    assert refused.status_code == 422
    assert f"the dataset {iri} would not conform" in refused.get_data(as_text=True)
    in_chinese = _rename_in_the_browser(ws, lang="zh")
    assert in_chinese.status_code == 422
    assert f"数据集 {iri} 将不符合元数据规范" in in_chinese.get_data(as_text=True)
    with ws.store.sessions() as s:
        org = accounts.org_by_slug(s, "epb")
        assert (org.title, org.title_en) == ("生态环境局", None)
        assert audit.events(s, object_type="organisation", organisation="epb") == []
    assert ws.store.get(iri).content_hash == stored.content_hash and len(_queued(ws)) == queued

    assert _rename_in_the_browser(ws, ZH, "").status_code == 303  # short enough: renamed
    assert _names(ws, iri) == {Literal(ZH)}


def test_rename_org_runs_in_the_callers_transaction(ws):
    """`publishing.rename_org` writes nothing of its own: the caller's rollback undoes titles and records."""
    iri = _publish_through_ckan(ws)
    validator = Validator(Graph().parse(data=SHORT_NAMES, format="turtle"))
    with pytest.raises(publishing.RenameRefused), ws.store.sessions.begin() as s:
        org = accounts.org_by_slug(s, "epb")
        publishing.rename_org(ws.store, s, org, ZH, EN, actor=audit.Actor(None, None, "test"),
                              validator=validator)
    with ws.store.sessions() as s:
        assert accounts.org_by_slug(s, "epb").title == "生态环境局"
    assert _names(ws, iri) == {Literal("生态环境局")}
