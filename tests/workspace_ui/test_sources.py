"""Harvest sources in the browser: an editor adds an inventory with an uploaded mapping, dry-runs and runs
it, reads the report; everyone else is refused; internal URLs and bad mappings never get saved."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from catalog import accounts, audit
from catalog.tables import DatasetRow
from harvesters import jobs
from harvesters.source import SourceConfig
from harvesters.tables import HarvestSource

EPB = "https://data.example.cn/org/epb"


def _form(http, upload: bytes | None = None, **changes) -> dict:
    data = {"name": "sh", "organisation": "epb", "type": "inventory", "url": http.url("/shanghai.json"),
            "mapping": "", "schedule": "@daily", "threshold": "20"}
    if upload is not None:
        data["mapping_file"] = (io.BytesIO(upload), "shanghai.yaml")
    return {**data, **changes}


def _source(store, name: str) -> HarvestSource | None:
    with store.sessions() as s:
        return s.scalar(select(HarvestSource).where(HarvestSource.name == name))


def test_editor_adds_dry_runs_runs_and_reads_the_report(portal, http, signin, finished, mapping_yaml):
    store = portal.extensions["kaifang"]["store"]
    client, csrf = signin("editor")
    assert client.get("/workspace").status_code == 302
    assert client.get("/workspace/sources/new").status_code == 200
    response = client.post("/workspace/sources/new", data={**_form(http, mapping_yaml), "csrf_token": csrf},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/workspace/sources/sh")
    row = _source(store, "sh")
    assert row.publisher == EPB and row.schedule == "@daily" and row.withdraw_threshold == 0.2
    assert row.config["mapping"]["base_iri"] == "https://data.sh.gov.cn/dataset/"  # the upload, parsed
    with store.sessions() as s:
        created = audit.events(s, object_type="harvest_source", object_id="sh")
    assert [e.action for e in created] == ["create"] and created[0].actor_name == "editor"

    dry_run = client.post("/workspace/sources/sh/run", data={"dry_run": "1", "csrf_token": csrf})
    assert dry_run.status_code == 303
    dry = finished(store, "sh", 1)[0]
    assert dry.dry_run and dry.status == "finished" and dry.added == 12 and dry.failed == 1
    with store.sessions() as s:
        assert s.scalar(select(func.count(DatasetRow.id))) == 0  # a dry run writes nothing
    dry_page = client.get(f"/workspace/sources/sh/jobs/{dry.id}").get_data(as_text=True)
    assert "Records in this dry run" in dry_page and "missing dataset title" in dry_page  # after rollback
    assert "<td>added</td>" in dry_page and "<script>alert(" not in dry_page

    assert client.post("/workspace/sources/sh/run", data={"csrf_token": csrf}).status_code == 303
    real = finished(store, "sh", 2)[0]
    assert not real.dry_run and real.status == "finished" and (real.added, real.failed) == (12, 1)
    with store.sessions() as s:
        assert s.scalar(select(func.count(DatasetRow.id))) == 12

    page = client.get(f"/workspace/sources/sh/jobs/{real.id}").get_data(as_text=True)
    assert "missing dataset title" in page
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page  # the snippet, escaped
    assert "Validation findings by rule" in page and "https://data.sh.gov.cn/dataset/" in page
    history = client.get("/workspace/sources/sh").get_data(as_text=True)
    assert all(f"/workspace/sources/sh/jobs/{job.id}" in history for job in (dry, real))
    assert client.get("/workspace/sources/other/jobs/1").status_code == 404

    changed = _form(http, mapping="uploaded", schedule="0 3 * * *")
    edit = client.post("/workspace/sources/sh/edit", data={**changed, "csrf_token": csrf})
    assert edit.status_code == 303
    row = _source(store, "sh")
    assert row.schedule == "0 3 * * *" and isinstance(row.config["mapping"], dict)
    with store.sessions() as s:
        latest = audit.events(s, object_type="harvest_source", object_id="sh")
    assert [e.action for e in latest[:3]] == ["update", "run", "dry-run"]
    assert latest[0].diff == {"schedule": {"from": "@daily", "to": "0 3 * * *"}}


def test_only_the_organisations_editors_manage_its_sources(portal, http, signin):
    store = portal.extensions["kaifang"]["store"]
    jobs.save_source(store, SourceConfig("sh", http.url("/shanghai.json"), "inventory", EPB,
                                         {"mapping": "shanghai"}))
    anonymous = portal.test_client()
    for path in ("/workspace/sources", "/workspace/sources/new", "/workspace/sources/sh"):
        assert anonymous.get(path).status_code == 302  # to the login page
    assert anonymous.post("/workspace/sources/sh/run").status_code == 302
    for name in ("viewer", "other-editor"):
        client, csrf = signin(name)
        assert "/workspace/sources/sh" not in client.get("/workspace/sources").get_data(as_text=True)
        assert client.get("/workspace/sources/sh").status_code == 403
        assert client.get("/workspace/sources/sh/edit").status_code == 403
        assert client.post("/workspace/sources/sh/run", data={"csrf_token": csrf}).status_code == 403
        assert client.post("/workspace/sources/sh/edit", data={**_form(http, mapping="shanghai"),
                                                              "csrf_token": csrf}).status_code == 403
        new = client.post("/workspace/sources/new", data={**_form(http, mapping="shanghai", name="mine"),
                                                          "csrf_token": csrf})
        assert new.status_code == 403  # viewer: no organisation to add to; other editor: not epb's
    assert client.get("/workspace/sources/new").status_code == 200  # other-editor may add to "other"
    editor, csrf = signin("editor")
    assert editor.post("/workspace/sources/sh/run", data={}).status_code == 400  # no CSRF token
    with store.sessions.begin() as s:
        token = accounts.create_token(s, accounts.user_by_name(s, "editor"))[1]
    scripted = portal.test_client().get("/workspace/sources/sh", headers={"Authorization": token})
    assert scripted.status_code == 403  # the workspace is for browsers; API tokens do not open it
    assert jobs.list_jobs(store, "sh") == [] and _source(store, "sh").url == http.url("/shanghai.json")
    sysadmin, _ = signin("sysadmin")
    assert sysadmin.get("/workspace/sources/sh").status_code == 200


def test_internal_urls_and_bad_mappings_are_refused(portal, http, signin, mapping_yaml):
    store = portal.extensions["kaifang"]["store"]
    client, csrf = signin("editor")
    refused = {"http://10.0.0.8/export.json": "internal address",
               "http://169.254.169.254/latest/meta-data": "internal address",
               "http://[::1]:8080/x.json": "internal address",
               "file:///etc/passwd": "file://",
               "/etc/passwd": "file://"}
    for url, message in refused.items():
        page = client.post("/workspace/sources/new", data={**_form(http, mapping="shanghai", url=url),
                                                           "csrf_token": csrf})
        assert page.status_code == 422 and message in page.get_data(as_text=True), url
    bad = {b"base_iri: https://x/\nid: {hash: [a]}\nfields: {a: title}\nevil: 1\n": "unknown key",
           b"base_iri: https://x/\nid: {hash: [a]}\nfields: {a: steal}\n": "unknown role",
           b"!!python/object/apply:os.system [echo hi]\n": "not UTF-8 YAML",
           b"# padding\n" * 30_000: "larger than 256 KB"}
    for data, message in bad.items():
        page = client.post("/workspace/sources/new", data={**_form(http, data), "csrf_token": csrf},
                           content_type="multipart/form-data")
        assert page.status_code == 422 and message in page.get_data(as_text=True), message
    never = _form(http, mapping="shanghai", schedule="0 0 31 2 *")
    page = client.post("/workspace/sources/new", data={**never, "csrf_token": csrf})
    assert page.status_code == 422 and "never runs" in page.get_data(as_text=True)
    assert _source(store, "sh") is None
    ok = client.post("/workspace/sources/new", data={**_form(http, mapping_yaml), "csrf_token": csrf},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
