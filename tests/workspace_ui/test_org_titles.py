"""Bilingual organisations in the browser (decision 0013): a sysadmin creates one with a Chinese and an
English title through the real form, its admin renames it, and the harvest pages show its title in the
reader's language, falling back to the Chinese one."""

from __future__ import annotations

from catalog import accounts

EN = "Bureau of Ecology and Environment"


def _org(portal, slug: str):
    with portal.extensions["kaifang"]["store"].sessions() as s:
        return accounts.org_by_slug(s, slug)


def _source_form(http) -> dict:
    return {"name": "sh", "organisation": "epb", "type": "inventory", "url": http.url("/shanghai.json"),
            "mapping": "shanghai", "schedule": "", "threshold": "20"}


def test_create_and_rename_through_the_forms(portal, signin):
    client, csrf = signin("sysadmin")
    page = client.get("/workspace/orgs/new?lang=en").get_data(as_text=True)
    assert '<label for="org-title">Title (Chinese)</label>' in page
    assert '<label for="org-title-en">Title (English, optional)</label>' in page
    form = {"slug": "stats", "title": "统计局", "title_en": "Bureau of Statistics",
            "publisher": "https://data.example.cn/org/stats", "csrf_token": csrf}
    assert client.post("/workspace/orgs/new", data=form).status_code == 303
    assert (_org(portal, "stats").title, _org(portal, "stats").title_en) == ("统计局", "Bureau of Statistics")

    edit = client.get("/workspace/orgs/stats/edit?lang=en").get_data(as_text=True)
    assert 'value="统计局"' in edit and 'value="Bureau of Statistics"' in edit
    renamed = {"title": "国家统计局", "title_en": "National Bureau of Statistics", "csrf_token": csrf}
    assert client.post("/workspace/orgs/stats/edit", data=renamed).status_code == 303
    assert _org(portal, "stats").title_en == "National Bureau of Statistics"
    listing = {lang: client.get(f"/workspace/orgs?lang={lang}").get_data(as_text=True)
               for lang in ("zh", "en")}
    assert '<span lang="zh">国家统计局</span>' in listing["zh"] and "National Bureau" not in listing["zh"]
    assert '<span lang="en">National Bureau of Statistics</span>' in listing["en"]
    assert "<span>Other bureau</span>" in listing["en"]  # no English title: as it is, in any language


def test_harvest_pages_show_the_organisation_in_the_readers_language(portal, http, signin):
    admin, csrf = signin("sysadmin")
    assert admin.post("/workspace/orgs/epb/edit", data={"title": "生态环境局", "title_en": EN,
                                                         "csrf_token": csrf}).status_code == 303
    client, csrf = signin("editor")
    form_en = client.get("/workspace/sources/new?lang=en").get_data(as_text=True)
    form_zh = client.get("/workspace/sources/new?lang=zh").get_data(as_text=True)
    assert f'<option value="epb">{EN}</option>' in form_en
    assert '<option value="epb">生态环境局</option>' in form_zh
    created = client.post("/workspace/sources/new", data={**_source_form(http), "csrf_token": csrf})
    assert created.status_code == 303, created.get_data(as_text=True)
    for lang, shown in (("zh", '<span lang="zh">生态环境局</span>'), ("en", f'<span lang="en">{EN}</span>')):
        assert shown in client.get(f"/workspace/sources?lang={lang}").get_data(as_text=True), lang
        assert shown in client.get(f"/workspace/sources/sh?lang={lang}").get_data(as_text=True), lang
