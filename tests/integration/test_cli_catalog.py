"""`kaifang db|catalog …` as a user runs them, on the real examples and the official DCAT-AP shapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyshacl
from click.testing import CliRunner
from rdflib import Graph

from catalog.store import CatalogStore
from portal.cli import main

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLES = FIXTURES / "dcat-ap/3.0.1/examples"
OFFICIAL_SHAPES = FIXTURES / "dcat-ap/3.0.1/shacl/shapes.ttl"  # pyshacl 0.40 refuses the combined file
BROKEN = {"example-bee-population-dataset-series-api.ttl",
          "example-bee-population-dataset-series-combined.ttl"}


def run(db_url: str, *args: str):
    env = {"DATABASE_URL": db_url, "KAIFANG_VAR": "/tmp/kaifang-cli"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_import_every_example_and_report_broken_files_in_one_line(db_url):
    files = sorted(str(p) for p in EXAMPLES.glob("example-*.ttl"))
    result = run(db_url, "catalog", "import", *files)
    assert result.exit_code == 1  # some files are broken upstream
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert {re.search(r"(example-[\w-]+\.ttl)", e).group(1) for e in errors} == BROKEN
    for line in errors:
        assert re.search(r"\.ttl:\d+:", line), line  # names the file and the line
    stored = CatalogStore.from_url(db_url)
    assert stored.count() >= 5
    ok_lines = [line for line in result.stdout.splitlines() if "added" in line]
    assert len(ok_lines) == len(files) - len(BROKEN)


def test_validate_with_official_shapes_matches_plain_pyshacl(db_url):
    files = [str(p) for p in EXAMPLES.glob("example-*.ttl") if p.name not in BROKEN]
    assert run(db_url, "catalog", "import", *files).exit_code == 0
    result = run(db_url, "catalog", "validate", "--shapes", str(OFFICIAL_SHAPES), "--json")
    assert result.exit_code == 0, result.output
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    store = CatalogStore.from_url(db_url)
    assert len(reports) == store.count()
    shapes = Graph().parse(OFFICIAL_SHAPES)
    for report in reports:
        graph = store.get(report["dataset"]).graph()
        conforms, _, _ = pyshacl.validate(graph, shacl_graph=shapes)
        assert report["conforms"] == conforms, report["dataset"]


def test_export_round_trips_through_every_format(db_url, tmp_path):
    example = EXAMPLES / "example-bee-population-2022-2023.ttl"
    assert run(db_url, "catalog", "import", str(example)).exit_code == 0
    original = CatalogStore.from_url(db_url).export_graph()
    for fmt, rdflib_format in (("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld"), ("nt", "nt")):
        out = tmp_path / f"catalog.{fmt}"
        assert run(db_url, "catalog", "export", "--format", fmt, "-o", str(out)).exit_code == 0
        assert len(Graph().parse(out, format=rdflib_format)) == len(original)
