"""Conversions and previews through the portal, fetching from the local file server through the guard."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from geo.read import read_layer
from geo.safety import Limits
from harvesters.http import GuardedClient
from tests.geo.samples import SHANGHAI_BOX
from tests.geo_portal.conftest import LOCAL, add_dataset

LIMITS = Limits(max_bytes=20_000_000)


@pytest.mark.parametrize("target", ["geojson", "gpkg", "shp", "csv", "kml"])
def test_conversion_round_trips(portal, files, target):
    iri = add_dataset(portal.store, "conv", "上海区划", [(files.url("/shanghai.gpkg"), "GPKG")])
    web = portal.app.test_client()
    response = web.get(f"/dataset/{portal.name(iri)}/distributions/0/convert?to={target}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    back = read_layer(response.get_data(), target if target != "shp" else "zip", limits=LIMITS)
    assert len(back) == 2
    assert tuple(back.total_bounds) == pytest.approx(SHANGHAI_BOX, abs=1e-4)
    assert set(back.columns) >= ({"名称"} if target != "shp" else {"名称"})
    again = web.get(f"/dataset/{portal.name(iri)}/distributions/0/convert?to={target}")
    assert again.get_data() == response.get_data()  # served from the conversion cache
    assert list((portal.app.extensions["kaifang"]["settings"].var / "cache" / "geo").iterdir())


def test_conversion_refusals_are_clear(portal, files):
    big = add_dataset(portal.store, "big", "大文件", [(files.url("/ne.geojson"), "GEOJSON")],
                      byte_size=10**10)
    web = portal.app.test_client()
    html = web.get(f"/dataset/{portal.name(big)}/distributions/0/convert?to=gpkg")
    assert html.status_code == 413 and "download the original" in html.get_data(as_text=True)
    as_json = web.get(f"/dataset/{portal.name(big)}/distributions/0/convert?to=gpkg",
                      headers={"Accept": "application/json"})
    assert as_json.status_code == 413 and "10,000,000,000 bytes" in as_json.get_json()["error"]

    world = add_dataset(portal.store, "world", "世界", [(files.url("/ne.geojson"), "GEOJSON")])
    portal.app.extensions["kaifang"]["http"] = GuardedClient(allow_private=LOCAL, max_bytes=10_000)
    streamed = web.get(f"/dataset/{portal.name(world)}/distributions/0/convert?to=kml&f=json")
    assert streamed.status_code == 413 and "too big" in streamed.get_json()["error"]

    internal = add_dataset(portal.store, "internal", "内网", [(files.url("/internal.geojson"), "GEOJSON")])
    refused = web.get(f"/dataset/{portal.name(internal)}/distributions/0/convert?to=kml&f=json")
    assert refused.status_code == 403 and "not public" in refused.get_json()["error"]
    assert web.get(f"/dataset/{portal.name(world)}/distributions/0/convert?to=exe").status_code == 400
    assert web.get(f"/dataset/{portal.name(world)}/distributions/7/convert?to=kml").status_code == 404

    bomb = add_dataset(portal.store, "bomb", "炸弹", [(files.url("/bomb.zip"), "SHP")])
    portal.app.extensions["kaifang"]["http"] = GuardedClient(allow_private=LOCAL)
    broken = web.get(f"/dataset/{portal.name(bomb)}/distributions/0/convert?to=geojson&f=json")
    assert broken.status_code == 422 and "zip bomb" in broken.get_json()["error"]


def test_csv_preview_is_an_escaped_table(portal, files):
    iri = add_dataset(portal.store, "csvprev", "公厕", [(files.url("/toilets.csv"), "CSV")])
    page = portal.app.test_client().get(f"/dataset/{portal.name(iri)}/distributions/0/preview")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<th scope=\"col\">经度</th>" in text and "人民广场公厕" in text  # GB18030 decoded
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert "中山东一路 &amp; 九江路" in text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_xlsx_preview_shows_the_first_hundred_rows(portal, files):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "名称"])
    for n in range(250):
        sheet.append([n, f"<b>第{n}行</b>"])
    buffer = io.BytesIO()
    book.save(buffer)
    files.files["/rows.xlsx"] = (buffer.getvalue(), "application/octet-stream")
    iri = add_dataset(portal.store, "xlsx", "表格", [(files.url("/rows.xlsx"), "XLSX")])
    text = portal.app.test_client().get(f"/dataset/{portal.name(iri)}/distributions/0/preview").get_data(
        as_text=True)
    assert "&lt;b&gt;第99行&lt;/b&gt;" in text and "第100行" not in text


def test_geojson_preview_is_a_map_reading_a_same_origin_endpoint(portal, files):
    iri = add_dataset(portal.store, "mapprev", "世界", [(files.url("/ne.geojson"), "GEOJSON")])
    web = portal.app.test_client()
    page = web.get(f"/dataset/{portal.name(iri)}/distributions/0/preview").get_data(as_text=True)
    endpoint = f"/dataset/{portal.name(iri)}/distributions/0/preview.geojson"
    assert f'data-geojson-url="{endpoint}"' in page and "js/preview-map.js" in page
    data = web.get(endpoint)
    assert data.mimetype == "application/geo+json"
    collection = data.get_json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 177
    vertices = sum(len(str(f["geometry"]["coordinates"])) for f in collection["features"])
    original = len(files.files["/ne.geojson"][0])
    assert vertices < original  # simplified


def test_preview_refusals_are_clear(portal, files):
    web = portal.app.test_client()
    pdf = add_dataset(portal.store, "pdf", "报告", [(files.url("/report.pdf"), "PDF")])
    unsupported = web.get(f"/dataset/{portal.name(pdf)}/distributions/0/preview")
    assert unsupported.status_code == 415
    assert "no preview for this format" in unsupported.get_data(as_text=True)
    internal = add_dataset(portal.store, "int", "内网", [(files.url("/internal.geojson"), "GEOJSON")])
    refused = web.get(f"/dataset/{portal.name(internal)}/distributions/0/preview.geojson")
    assert refused.status_code == 403 and "10.0.0.1" in refused.get_json()["error"]
    missing = add_dataset(portal.store, "gone", "没了", [(files.url("/gone.csv"), "CSV")])
    remote = web.get(f"/dataset/{portal.name(missing)}/distributions/0/preview")
    assert remote.status_code == 502 and "HTTP 404" in remote.get_data(as_text=True)


def test_the_offline_base_layer_is_served(portal):
    response = portal.app.test_client().get("/static/geo/countries.geojson")
    assert response.status_code == 200
    assert len(response.get_json()["features"]) == 177
    response.close()


def test_zip_bomb_never_reaches_the_preview(portal, files):
    bomb = add_dataset(portal.store, "bombprev", "炸弹", [(files.url("/bomb.zip"), "SHP")])
    response = portal.app.test_client().get(f"/dataset/{portal.name(bomb)}/distributions/0/preview.geojson")
    assert response.status_code == 422 and "zip bomb" in response.get_json()["error"]
    assert zipfile.is_zipfile(io.BytesIO(files.files["/bomb.zip"][0]))


def test_dataset_page_snippet_links_previews_and_conversions(portal, files):
    iri = add_dataset(portal.store, "snippet", "混合", [(files.url("/toilets.csv"), "CSV"),
                                                        (files.url("/report.pdf"), "PDF")])
    stored = portal.store.get(iri)
    template = portal.app.jinja_env.from_string(
        '{% from "_preview_links.html" import geo_links %}'
        '{% for dist in stored.dataset.distributions %}'
        '{{ geo_links(stored, dist, loop.index0) }}{% endfor %}')
    with portal.app.test_request_context("/"):
        html = template.render(stored=stored)
    index = next(i for i, d in enumerate(stored.dataset.distributions) if "toilets" in d.download_url)
    assert f"/dataset/{stored.name}/distributions/{index}/preview" in html
    assert f"/dataset/{stored.name}/distributions/{index}/convert?to=gpkg" in html
    assert f"/distributions/{1 - index}/" not in html  # the PDF gets neither
