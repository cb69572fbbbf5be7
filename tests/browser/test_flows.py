"""Two errands end to end in a real browser (tests/browser/flows.mjs) over the real portal:

- a citizen searches from the home page, narrows by a facet, opens a dataset and sees the area it covers
  on a map, switches language, filters the search by drawing a box on the map (and by the map's view), and
  previews a CSV file's first rows;
- an editor signs in through the login form, registers a Shanghai inventory (real records, over local
  HTTP) with an uploaded mapping, dry-runs and runs it, reads the report (counts, the failed record with
  its snippet escaped), fixes that record by uploading a mapping that reads the column its title is in,
  re-runs, and the report shows it added.

Screenshots of every page land in var/screenshots/ (citizen-*.png, editor-*.png)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from catalog.store import name_for
from tests.browser.conftest import TABLE_COLUMNS, TABLE_IRI, inventory_rows, transport_csv
from tests.portal_search.conftest import GEO_IRI

BUS, TABLE = name_for(GEO_IRI), name_for(TABLE_IRI)
BOX, EXTENT = "#0b4f9c", "#a4161a"  # static/js/search-map.js: the drawn area, the results' extents


def step(flows: dict, name: str) -> dict:
    found = flows[name]
    assert "error" not in found, found["error"]
    return found


def total(heading: str) -> int:
    return int(re.search(r"[\d,]+", heading).group().replace(",", ""))


def test_citizen_searches_narrows_by_a_facet_and_opens_a_dataset(flows):
    flow = step(flows, "citizen_search")
    searched, faceted, dataset = flow["searched"], flow["faceted"], flow["dataset"]
    assert parse_qs(urlsplit(searched["url"]).query)["q"] == ["公交"]
    assert faceted["facet"].startswith("Transport Commission")
    assert faceted["query"]["q"] == "公交" and set(faceted["query"]) - {"q", "lang"}  # a facet filter applied
    assert 0 < total(faceted["heading"]) < total(searched["heading"])
    assert BUS in faceted["names"] and set(faceted["names"]) <= set(searched["names"])
    assert dataset["h1"] == "Bus stop locations" and urlsplit(dataset["url"]).path == f"/dataset/{BUS}"
    assert "POLYGON((121 31" in dataset["area"]  # the coverage, as text
    assert dataset["problems"] == [] and flow["problems"] == []


def test_dataset_page_draws_its_spatial_coverage_on_a_map(flows):
    dataset = step(flows, "citizen_search")["dataset"]
    assert dataset["maps"] == 1 and dataset["drawn"] and dataset["shapes"] >= 1, (
        "the dataset page shows dct:spatial only as text; see the report for the template/JS change")


def test_language_switch_on_the_dataset_page(flows):
    zh = step(flows, "citizen_search")["zh"]
    assert parse_qs(urlsplit(zh["url"]).query)["lang"] == ["zh"]
    assert zh["lang"] == "zh-Hans" and zh["h1"] == "公交站点位置"
    assert "Area covered" not in zh["dt"] and len(zh["dt"]) > 3


def test_citizen_draws_a_box_on_the_search_map(flows):
    flow = step(flows, "citizen_map_area")
    drawn, filtered, view = flow["drawn"], flow["filtered"], flow["view"]
    assert any("Bus stop locations" in t for t in flow["tooltips"])
    assert drawn["pressed"] == "true" and drawn["released"] == "false"  # drawing ends with the drag
    box = {k: float(v) for k, v in drawn["box"].items()}
    # a box a little larger than the bus stops' extent (121-122 E, 31-32 N), read back from the pixels
    assert 120 < box["west"] < 121 < 122 < box["east"] < 123, box
    assert 30 < box["south"] < 31 < 32 < box["north"] < 33, box
    assert {k: float(filtered["query"][k]) for k in box} == box and filtered["query"]["q"] == "公交"
    assert {k: float(v) for k, v in filtered["box"].items()} == box  # the form keeps the area
    assert 0 < total(filtered["heading"]) < total(flow["before"]["heading"])
    assert set(filtered["names"]) == {BUS, TABLE}  # the two datasets whose extents meet the box
    # the drawn area and the results' extents, told apart by colour
    assert set(flow["before"]["strokes"]) == {EXTENT} and len(flow["before"]["strokes"]) == 2
    assert sorted(filtered["strokes"]) == [BOX, EXTENT, EXTENT], filtered["strokes"]
    zoomed = {k: float(v) for k, v in view["box"].items()}
    assert zoomed["west"] < box["west"] and zoomed["east"] > box["east"], zoomed  # the wider view
    assert zoomed["south"] < box["south"] and zoomed["north"] > box["north"], zoomed
    assert {k: float(view["query"][k]) for k in zoomed} == zoomed
    assert total(view["heading"]) >= total(filtered["heading"]) and BUS in view["names"]
    assert flow["problems"] == []


def test_csv_preview_shows_the_first_rows(flows):
    preview = step(flows, "citizen_csv")
    expected = list(csv.reader(io.StringIO(transport_csv())))
    assert expected[0] == TABLE_COLUMNS and len(expected) > 4
    assert preview["url"].endswith("/distributions/0/preview")
    assert preview["header"] == TABLE_COLUMNS
    assert preview["rows"] == expected[1:4]
    assert preview["count"] == min(100, len(expected) - 1)
    assert preview["problems"] == []


def test_editor_signs_in_and_adds_an_inventory_source(flows):
    flow = step(flows, "editor")
    login, added = flow["login"], flow["added"]
    assert "/user/login" in login["url"] and login["after"].split("?")[0].endswith("/workspace/sources")
    assert added["h1"] == "shanghai-inventory" and "inventory" in added["details"]
    assert "上海市大数据中心" in added["details"] and "/shanghai.json" in added["details"]


def test_editor_dry_runs_runs_and_reads_the_report(flows):
    flow = step(flows, "editor")
    dry, real = flow["dry"], flow["real"]
    assert dry["started"] == ["Harvest started; it appears in the history below."]
    assert "(dry run)" in dry["h1"] and "finished" in dry["h1"]
    assert dry["counts"]["added"] == 12 and dry["counts"]["failed"] == 1
    assert "(dry run)" not in real["h1"] and "finished" in real["h1"]
    assert real["counts"]["added"] == 12 and real["counts"]["failed"] == 1
    assert [r[2] for r in real["jobs"]] == ["finished", "finished (dry run)"]
    (record,) = real["records"]  # a dry run's records are rolled back: its page has only the counts
    assert record["heading"].startswith("error: ")
    assert "[map] 数据集名称: missing dataset title" in record["messages"]
    bad = inventory_rows()[-1]
    assert bad["资源名称"] in record["snippet"] and "<script>alert('x')</script>" in record["snippet"]
    assert "&lt;script&gt;" in record["snippetHtml"] and record["elements"] == 0  # escaped, inert
    assert real["scripts"] == 0 and dry["problems"] == [] and real["problems"] == flow["problems"] == []


def test_job_report_fits_the_window(flows):
    """A failed record's snippet is one long line of JSON: it must wrap, not widen the page."""
    assert step(flows, "editor")["real"]["width"] <= 1280


def test_editor_fixes_the_failed_record_and_it_is_added(flows):
    flow = step(flows, "editor_fix")
    fixed, dataset = flow["fixed"], flow["dataset"]
    assert fixed["kept"] == "uploaded"
    assert any("update" in c and "config" in c for c in fixed["changes"]), fixed["changes"]
    assert fixed["counts"]["added"] == 1 and fixed["counts"]["failed"] == 0, fixed["counts"]
    assert fixed["counts"]["unchanged"] == 12 and fixed["records"] == []
    assert [r[2] for r in fixed["jobs"]] == ["finished", "finished", "finished (dry run)"]
    assert dataset["status"] == 200 and dataset["h1"] == inventory_rows()[-1]["资源名称"]
    assert "<script>alert('x')</script>" in dataset["description"] and dataset["scripts"] == 0
    assert fixed["problems"] == flow["problems"] == []
    assert [Path(p).name for p in (fixed["shot"], dataset["shot"])] == ["editor-5-fixed-report.png",
                                                                      "editor-6-fixed-dataset.png"]


def test_the_site_has_an_icon(flows):
    """Browsers ask every site for /favicon.ico; without an icon each first visit logs a 404 error."""
    assert flows["favicon"] == []


def test_screenshots_of_each_page(flows):
    shots = [Path(p) for flow in ("citizen_search", "citizen_map_area", "citizen_csv", "editor")
             for p in _files(step(flows, flow))]  # editor_fix's two are checked with the fix
    names = sorted(p.name for p in shots)
    assert len(names) == 12 and names[0] == "citizen-1-search.png" and names[-1] == "editor-4-run-report.png"
    assert all(p.parent.parts[-2:] == ("var", "screenshots") and p.stat().st_size > 10_000 for p in shots)


def _files(found: object) -> list[str]:
    if isinstance(found, dict):
        return [p for key, v in found.items() for p in ([v] if key == "shot" else _files(v))]
    return []


def test_an_org_admin_adds_a_member(flows):
    flow = step(flows, "org_admin")
    assert flow["url"].endswith("/workspace/orgs/sh-data")
    assert ["newcomer", "newcomer@example.org", "editor"] in flow["members"]
    assert ["org-admin", "org-admin@example.org", "admin"] in flow["members"]
    assert "add-member" in flow["history"][0] and "newcomer" in flow["history"][0]
    assert flow["problems"] == []
