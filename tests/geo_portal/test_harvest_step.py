"""Enrichment as a harvest step: a DCAT source with `geo_enrich: true` gets extents from its files."""

from __future__ import annotations

import pytest

from catalog.rdf import serialize
from harvesters.base import run
from harvesters.source import SourceConfig
from tests.geo.samples import SHANGHAI_BOX
from tests.geo_portal.conftest import BASE, dataset_graph
from tests.geo_portal.test_enrich import computed_bboxes


def _source(tmp_path, files, *, enrich: bool) -> SourceConfig:
    graph = dataset_graph(BASE + "harvested", "上海市区划", [(files.url("/shanghai.gpkg"), "GPKG")])
    path = tmp_path / "catalog.ttl"
    path.write_bytes(serialize(graph, "turtle"))
    return SourceConfig("geo-step", str(path), "dcat", config={"geo_enrich": True} if enrich else {})


@pytest.mark.parametrize("enrich", [True, False])
def test_a_harvest_enriches_only_when_the_source_asks(store, files, client, tmp_path, enrich):
    client.allow_files = True  # the command line's client: local catalogue file, remote geodata
    report = run(store, _source(tmp_path, files, enrich=enrich), client=client)
    assert report.status == "finished" and report.counts["added"] == 1
    bboxes = computed_bboxes(store, BASE + "harvested")
    if enrich:
        assert bboxes == [pytest.approx(SHANGHAI_BOX, abs=0.01)]
        assert any(note.startswith("geo: 1 datasets read") for note in report.notes)
    else:
        assert bboxes == []
