"""Bilingual organisations (decision 0013): a Chinese title and an optional English one, set through the
workspace forms and the CLI, shown in the reader's language with a fallback to the Chinese one, recorded in
the audit trail, and written as the publisher's foaf:name@zh/@en of datasets published through the CKAN
write API."""

from __future__ import annotations

from click.testing import CliRunner
from rdflib import Literal, URIRef

from catalog import accounts, audit
from catalog.namespaces import DCT, FOAF
from portal.cli import main

ORG = "/workspace/orgs/epb"
EN = "Bureau of Ecology and Environment"
EPB = "https://data.example.cn/org/epb"
OTHER = "https://data.example.cn/org/other"


def _org(ws, slug: str = "epb"):
    with ws.store.sessions() as s:
        return accounts.org_by_slug(s, slug)


def _org_events(ws, slug: str = "epb") -> list:
    with ws.store.sessions() as s:
        return audit.events(s, object_type="organisation", organisation=slug)


def _name_english(ws) -> None:
    """epb's admin gives it an English title through the edit form."""
    client, token = ws.browser("admin")
    response = client.post(f"{ORG}/edit", data={"title": "生态环境局", "title_en": EN, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(ORG)


def _package(name: str, owner: str = "epb") -> dict:
    return {"name": name, "title": "公交线路", "notes": "全市公交线路。", "owner_org": owner,
            "license_id": "CC-BY-4.0", "tags": [{"name": "交通"}],
            "resources": [{"url": "https://data.example.cn/files/bus.csv", "format": "CSV", "name": "线路"}]}


def _ckan(ws, action: str, params: dict, lang: str = "zh", role: str = "editor") -> dict:
    response = ws.client().post(f"/api/3/action/{action}?lang={lang}", json=params, headers=ws.headers(role))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["result"]


def _names(ws, iri: str, publisher: str = EPB) -> set[Literal]:
    graph = ws.store.get(iri).graph()
    assert (URIRef(iri), DCT.publisher, URIRef(publisher)) in graph
    return set(graph.objects(URIRef(publisher), FOAF.name))


# -- the workspace forms ----------------------------------------------------------------------------
def test_a_sysadmin_creates_an_organisation_with_both_titles(ws):
    client, token = ws.browser("sysadmin")
    form_page = client.get("/workspace/orgs/new?lang=zh").get_data(as_text=True)
    assert "标题（中文）" in form_page and "英文标题（可选）" in form_page and 'name="title_en"' in form_page
    form = {"slug": "stats", "title": "统计局", "title_en": "Statistics <Bureau>",
            "publisher": "https://data.example.cn/org/stats", "csrf_token": token}
    assert client.post("/workspace/orgs/new", data=form).status_code == 303
    org = _org(ws, "stats")
    assert (org.title, org.title_en) == ("统计局", "Statistics <Bureau>")

    zh = client.get("/workspace/orgs/stats?lang=zh").get_data(as_text=True)
    en = client.get("/workspace/orgs/stats?lang=en").get_data(as_text=True)
    assert '<h1><span lang="zh">统计局</span></h1>' in zh and "<title>统计局 ·" in zh
    assert '<h1><span lang="en">Statistics &lt;Bureau&gt;</span></h1>' in en and "<Bureau>" not in en
    listing = client.get("/workspace/orgs?lang=en").get_data(as_text=True)
    assert '<span lang="en">Statistics &lt;Bureau&gt;</span></a>' in listing
    assert '<span lang="zh">统计局</span></a>' in client.get("/workspace/orgs?lang=zh").get_data(as_text=True)

    (created,) = _org_events(ws, "stats")
    assert created.actor_name == "sysadmin" and created.title == "统计局"
    assert created.diff["title_en"] == {"from": None, "to": "Statistics <Bureau>"}
    assert created.diff["title"] == {"from": None, "to": "统计局"}


def test_the_english_title_is_optional_and_falls_back_to_the_chinese_one(ws):
    client, token = ws.browser("sysadmin")
    form = {"slug": "tax", "title": "  税务局 ", "title_en": "   ", "publisher": "https://data.example.cn/org/tax",
            "csrf_token": token}
    assert client.post("/workspace/orgs/new", data=form).status_code == 303
    org = _org(ws, "tax")
    assert (org.title, org.title_en) == ("税务局", None)
    en = client.get("/workspace/orgs/tax?lang=en").get_data(as_text=True)
    assert "<h1><span>税务局</span></h1>" in en  # the fallback, with no language claimed for it
    assert "<dt>Title (English)</dt><dd>–</dd>" in en
    # the seeded organisation, created before titles were bilingual, reads the same in both languages
    for lang in ("zh", "en"):
        assert "<h1><span>生态环境局</span></h1>" in client.get(f"{ORG}?lang={lang}").get_data(as_text=True)


def test_organisation_titles_are_checked_like_the_other_fields(ws):
    client, token = ws.browser("sysadmin")
    base = {"slug": "long", "title": "长标题局", "publisher": "https://data.example.cn/org/long",
            "csrf_token": token}
    messages = {"zh": "英文标题最多 500 个字符", "en": "The English title has at most 500 characters"}
    for lang, text in messages.items():
        response = client.post(f"/workspace/orgs/new?lang={lang}", data={**base, "title_en": "x" * 501})
        assert response.status_code == 422 and text in response.get_data(as_text=True), lang
        assert 'value="长标题局"' in response.get_data(as_text=True)  # what was typed is kept
    missing = client.post("/workspace/orgs/new?lang=zh", data={**base, "title": " ", "title_en": "Long"})
    assert missing.status_code == 422 and "机构需要标题" in missing.get_data(as_text=True)
    assert _org(ws, "long") is None and _org_events(ws, "long") == []


def test_an_admin_edits_the_titles_of_their_organisation(ws):
    client, token = ws.browser("admin")
    page = client.get(f"{ORG}?lang=en").get_data(as_text=True)
    assert f'href="{ORG}/edit"' in page
    form = client.get(f"{ORG}/edit?lang=zh").get_data(as_text=True)
    assert "编辑机构" in form and 'value="生态环境局"' in form and 'name="slug"' not in form

    _name_english(ws)
    org = _org(ws)
    assert (org.title, org.title_en, org.slug, org.publisher_iri) == ("生态环境局", EN, "epb", EPB)
    assert f'<h1><span lang="en">{EN}</span></h1>' in client.get(f"{ORG}?lang=en").get_data(as_text=True)
    assert '<h1><span lang="zh">生态环境局</span></h1>' in client.get(f"{ORG}?lang=zh").get_data(as_text=True)
    (edited,) = _org_events(ws)
    assert (edited.action, edited.actor_name, edited.object_id) == ("update", "admin", "org:epb")
    assert edited.diff == {"title_en": {"from": None, "to": EN}}

    bad = client.post(f"{ORG}/edit?lang=en", data={"title": "", "title_en": EN, "csrf_token": token})
    assert bad.status_code == 422 and "needs a title" in bad.get_data(as_text=True)
    same = client.post(f"{ORG}/edit", data={"title": "生态环境局", "title_en": EN, "csrf_token": token})
    assert same.status_code == 303 and len(_org_events(ws)) == 1  # nothing changed, nothing recorded
    cleared = client.post(f"{ORG}/edit", data={"title": "生态环境厅", "title_en": "", "csrf_token": token})
    assert cleared.status_code == 303
    assert (_org(ws).title, _org(ws).title_en) == ("生态环境厅", None)
    assert _org_events(ws)[0].diff == {"title": {"from": "生态环境局", "to": "生态环境厅"},
                                       "title_en": {"from": EN, "to": None}}


def test_only_admins_and_sysadmins_edit_an_organisation(ws):
    for role, status in (("viewer", 403), ("editor", 403), ("other_editor", 403), ("sysadmin", 303)):
        client, token = ws.browser(role)
        assert client.get(f"{ORG}/edit").status_code == (200 if status == 303 else status), role
        form = {"title": f"改名 {role}", "title_en": role, "csrf_token": token}
        assert client.post(f"{ORG}/edit", data=form).status_code == status, role
        page = client.get(ORG).get_data(as_text=True)
        assert (f"{ORG}/edit" in page) is (status == 303), role
    assert (_org(ws).title, _org(ws).title_en) == ("改名 sysadmin", "sysadmin")
    client, token = ws.browser("admin")
    assert client.post(f"{ORG}/edit", data={"title": "x", "title_en": ""}).status_code == 400  # no CSRF token
    anonymous, _ = ws.browser("anonymous")
    assert anonymous.get(f"{ORG}/edit").status_code == 302
    assert client.get("/workspace/orgs/nowhere/edit").status_code == 404


def test_the_reader_sees_organisations_in_their_language_on_workspace_pages(ws):
    _name_english(ws)
    client, _ = ws.browser("editor")
    for lang, shown in (("zh", '<span lang="zh">生态环境局</span>'), ("en", f'<span lang="en">{EN}</span>')):
        assert shown in client.get(f"/user/tokens?lang={lang}").get_data(as_text=True), lang
        assert shown in client.get(f"/organization/epb/activity?lang={lang}").get_data(as_text=True), lang
    other = ws.client().get("/organization/other/activity?lang=zh").get_data(as_text=True)
    assert "<span>Other bureau</span>" in other  # no English title: shown as it is, in every language


# -- the command line -------------------------------------------------------------------------------
def test_cli_creates_and_edits_bilingual_organisations(ws, db_url):
    env, runner = {"DATABASE_URL": db_url}, CliRunner()
    create = ["org", "create", "water", "--title", "水务局", "--title-en", "Water Authority",
              "--publisher", "https://data.example.cn/org/water"]
    result = runner.invoke(main, create, env=env)
    assert result.exit_code == 0, result.output
    assert (_org(ws, "water").title, _org(ws, "water").title_en) == ("水务局", "Water Authority")

    result = runner.invoke(main, ["org", "edit", "water", "--title-en", "Water Affairs Bureau"], env=env)
    assert result.exit_code == 0 and "水务局 / Water Affairs Bureau" in result.output
    result = runner.invoke(main, ["org", "edit", "water", "--title-en", ""], env=env)
    assert result.exit_code == 0, result.output
    assert (_org(ws, "water").title, _org(ws, "water").title_en) == ("水务局", None)
    too_long = runner.invoke(main, ["org", "edit", "water", "--title", "x" * 501], env=env)
    assert too_long.exit_code != 0 and "at most 500 characters" in too_long.output
    assert runner.invoke(main, ["org", "edit", "nowhere", "--title", "x"], env=env).exit_code != 0
    plain = runner.invoke(main, ["org", "create", "parks", "--title", "绿化局", "--publisher",
                                 "https://data.example.cn/org/parks"], env=env)
    assert plain.exit_code == 0 and _org(ws, "parks").title_en is None

    events = _org_events(ws, "water")
    assert [(e.action, e.actor_name) for e in events] == [("update", "cli")] * 2 + [("create", "cli")]
    assert events[0].diff == {"title_en": {"from": "Water Affairs Bureau", "to": None}}
    assert events[2].diff["title_en"] == {"from": None, "to": "Water Authority"}


# -- datasets published through the organisation ------------------------------------------------------
def test_ckan_package_create_writes_both_publisher_names_with_language_tags(ws):
    _name_english(ws)
    created = _ckan(ws, "package_create", _package("bus-routes"), lang="en")
    assert created["organization"]["title"] == EN
    iri = ws.store.get_by_ckan_id(created["id"]).iri
    assert _names(ws, iri) == {Literal("生态环境局", lang="zh"), Literal(EN, lang="en")}
    assert ws.store.get(iri).dataset.publisher.name == {"zh": "生态环境局", "en": EN}

    client = ws.client()
    name = created["name"]
    en = client.get(f"/dataset/{name}?lang=en").get_data(as_text=True)
    zh = client.get(f"/dataset/{name}?lang=zh").get_data(as_text=True)
    assert f'<span lang="en">{EN}</span>' in en and '<span lang="zh">生态环境局</span>' not in en
    assert '<span lang="zh">生态环境局</span>' in zh and f'<span lang="en">{EN}</span>' not in zh
    turtle = client.get(f"/dataset/{name}.ttl").get_data(as_text=True)
    assert '"生态环境局"@zh' in turtle and f'"{EN}"@en' in turtle
    shown = {lang: _ckan(ws, "package_show", {"id": created["id"]}, lang)["organization"]["title"]
             for lang in ("zh", "en")}
    assert shown == {"zh": "生态环境局", "en": EN}
    shows = {lang: _ckan(ws, "package_show", {"id": created["id"]}, lang) for lang in ("zh", "en")}
    extras = {lang: {e["key"]: e["value"] for e in show["extras"]} for lang, show in shows.items()}
    assert (extras["zh"]["publisher_name"], extras["en"]["publisher_name"]) == ("生态环境局", EN)
    org_id, slug = created["organization"]["id"], created["organization"]["name"]
    # publisher listings name it by the organisation, though the seeded record of epb has only "…"@zh
    assert f'<h1 lang="en">{EN}</h1>' in client.get(f"/publishers/{slug}?lang=en").get_data(as_text=True)
    assert f'<span lang="en">{EN}</span>' in client.get("/publishers?lang=en").get_data(as_text=True)
    assert _ckan(ws, "organization_show", {"id": org_id}, "en")["title"] == EN
    assert _ckan(ws, "organization_show", {"id": org_id}, "zh")["title"] == "生态环境局"

    # a patch round-trips the CKAN dict (its publisher_name extra included): still exactly the two names
    _ckan(ws, "package_patch", {"id": created["id"], "notes": "更新说明"})
    assert _names(ws, iri) == {Literal("生态环境局", lang="zh"), Literal(EN, lang="en")}


def test_an_organisation_without_an_english_title_publishes_its_one_name_untagged(ws):
    created = _ckan(ws, "package_create", _package("other-routes", owner="other"), "en", "other_editor")
    iri = ws.store.get_by_ckan_id(created["id"]).iri
    assert _names(ws, iri, OTHER) == {Literal("Other bureau")}
    assert created["organization"]["title"] == "Other bureau"
    page = ws.client().get(f"/dataset/{created['name']}?lang=zh").get_data(as_text=True)
    assert "<span>Other bureau</span>" in page
