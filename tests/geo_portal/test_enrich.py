"""Enrichment over real HTTP: extents land in the graph, broken files are recorded and change nothing."""

from __future__ import annotations

import pytest
import shapely
from click.testing import CliRunner
from rdflib import URIRef

from catalog.namespaces import DCAT, DCT, PROV
from geo.gazetteer import parse_geometry
from geo.safety import Limits
from harvesters.geo_enrich import COMPUTED_BY, enrich, reads_for
from portal.cli import main
from tests.geo.samples import SHANGHAI_BOX
from tests.geo_portal.conftest import add_dataset

LIMITS = Limits(max_bytes=20_000_000, max_features=10_000)


def computed_bboxes(store, iri: str) -> list[tuple[float, ...]]:
    graph = store.get(iri).graph()
    locations = [loc for loc in graph.objects(URIRef(iri), DCT.spatial)
                 if (loc, PROV.wasAttributedTo, COMPUTED_BY) in graph]
    return [parse_geometry(str(graph.value(loc, DCAT.bbox))).bounds for loc in locations]


@pytest.mark.parametrize(("path", "code", "expected"), [
    ("/shanghai.gpkg", "GPKG", SHANGHAI_BOX),  # CGCS2000 Gauss-Kruger, reprojected
    ("/shanghai.shp.zip", "SHP", SHANGHAI_BOX),
    ("/toilets.csv", "CSV", (121.4737, 31.2210, 121.5440, 31.2397)),  # GB18030, 经度/纬度
    ("/ne.geojson", "GEOJSON", (-180, -90, 180, 83.65)),
])
def test_enrichment_adds_the_extent_and_keeps_the_publishers_place(store, files, client, path, code,
                                                                   expected):
    iri = add_dataset(store, "d" + code.lower(), "上海市公共设施", [(files.url(path), code)], place="上海市")
    result = enrich(store, iri, client, LIMITS)
    assert result.status == "enriched", result.errors
    assert result.bbox == pytest.approx(expected, abs=0.01)
    assert computed_bboxes(store, iri) == [pytest.approx(expected, abs=0.01)]
    spatial = store.get(iri).dataset.spatial
    assert any(loc.label.get("zh") == "上海市" for loc in spatial)  # the publisher's Location stays
    read = reads_for(store, iri)[0]
    assert (read.status, read.message) == ("ok", None) and read.feature_count > 0


def test_enriching_again_replaces_the_computed_extent(store, files, client):
    iri = add_dataset(store, "twice", "上海市区划", [(files.url("/shanghai.gpkg"), "GPKG")], place="上海市")
    assert enrich(store, iri, client, LIMITS).status == "enriched"
    assert enrich(store, iri, client, LIMITS).status == "unchanged"
    assert len(computed_bboxes(store, iri)) == 1
    assert len(store.get(iri).dataset.spatial) == 2


@pytest.mark.parametrize(("path", "code", "message"), [
    ("/bomb.zip", "SHP", "zip bomb"),
    ("/broken.geojson", "GEOJSON", "cannot read the geojson file"),
    ("/internal.geojson", "GEOJSON", "private or reserved address"),
    ("/missing.geojson", "GEOJSON", "HTTP 404"),
])
def test_a_broken_file_is_recorded_and_the_dataset_stays_intact(store, files, client, path, code, message):
    iri = add_dataset(store, "broken" + path.strip("/").replace(".", "-"), "坏文件",
                      [(files.url(path), code)], place="上海市")
    before = store.get(iri)
    result = enrich(store, iri, client, LIMITS)
    assert result.status == "failed"
    assert message in result.errors[0]
    after = store.get(iri)
    assert (after.content_hash, after.graph_nt) == (before.content_hash, before.graph_nt)
    read = reads_for(store, iri)[0]
    assert read.status == "failed" and message in read.message and read.bbox is None


def test_one_good_file_among_bad_ones_still_gives_the_extent(store, files, client):
    iri = add_dataset(store, "mixed", "混合", [(files.url("/bomb.zip"), "SHP"),
                                             (files.url("/shanghai.gpkg"), "GPKG"),
                                             (files.url("/report.pdf"), "PDF")])
    result = enrich(store, iri, client, LIMITS)
    assert result.status == "enriched" and result.read == 1 and len(result.errors) == 1
    assert sorted(r.status for r in reads_for(store, iri)) == ["failed", "ok"]  # the PDF is not a candidate


def test_a_csv_without_coordinates_is_skipped_not_failed(store, files, client):
    files.files["/plain.csv"] = ("年份,人口\n2020,100\n".encode(), "text/csv")
    iri = add_dataset(store, "plain", "人口", [(files.url("/plain.csv"), "CSV")])
    assert enrich(store, iri, client, LIMITS).status == "skipped"
    assert reads_for(store, iri)[0].status == "skipped"


def test_cli_enriches_named_and_all_geo_datasets(files, tmp_path):
    from catalog import migrate
    from catalog.store import CatalogStore

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    store = CatalogStore.from_url(url)
    good = add_dataset(store, "cli-good", "上海", [(files.url("/shanghai.shp.zip"), "SHP")])
    bad = add_dataset(store, "cli-bad", "坏", [(files.url("/broken.geojson"), "GEOJSON")])
    add_dataset(store, "cli-none", "报告", [(files.url("/report.pdf"), "PDF")])
    env = {"DATABASE_URL": url, "KAIFANG_VAR": str(tmp_path)}
    runner = CliRunner()
    named = runner.invoke(main, ["geo", "enrich", "--allow-network", "127.0.0.1/32",
                                 store.get(good).name], env=env)
    assert named.exit_code == 0, named.output
    assert "1 datasets: 1 enriched" in named.output
    everything = runner.invoke(main, ["geo", "enrich", "--allow-network", "127.0.0.1/32"], env=env)
    assert everything.exit_code == 1
    assert "2 datasets: 1 failed, 1 unchanged" in everything.output
    assert bad in everything.output
    footprint = shapely.box(*computed_bboxes(store, good)[0])
    assert footprint.equals_exact(shapely.box(*SHANGHAI_BOX), 0.01)
    store.engine.dispose()
