"""The `datajson` source type on real data.json files served over local HTTP: the City of Philadelphia
catalogue, the upstream invalid fixtures (record-level errors naming the field) and a broken file."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from catalog.model import from_graph
from harvesters.datajson import DataJsonSource, datajson_to_dcat
from harvesters.http import GuardedClient
from harvesters.source import HarvestError, SourceConfig

US = Path(__file__).parents[1] / "fixtures" / "dcat-us"
AR = "http://publications.europa.eu/resource/authority/access-right/"
FT = "http://publications.europa.eu/resource/authority/file-type/"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(US)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def harvest(url: str, **config):
    """gather -> fetch -> to_dcat as the lifecycle runs it: (mapped records, {remote_id: error})."""
    src = DataJsonSource(SourceConfig("t", url, "datajson", config=config), GuardedClient(allow_private=True))
    mapped, errors = [], {}
    for ref in src.gather():
        try:
            mapped.append(src.to_dcat(ref, src.fetch(ref)))
        except HarvestError as exc:
            errors[ref.remote_id] = exc
    return mapped, errors


def test_philadelphia_maps_every_dataset(base):
    url = f"{base}/datagov-harvester-fixtures/dcatus_with_none.json"
    mapped, errors = harvest(url)
    assert len(mapped) == 402 and errors == {}
    d = from_graph(mapped[0].graph, mapped[0].node)
    assert d.iri == f"{url}#2009-2012-police-advisory-commission-complaints"
    assert d.title == {"": "2009-2012 Police Advisory Commission Complaints"}
    assert d.publisher.name == {"": "City of Philadelphia"}
    assert d.contact[0].name == {"": "City of Philadelphia Open Data Program"}
    assert d.contact[0].email == "maps@phila.gov"
    assert d.access_rights == AR + "PUBLIC"
    assert d.keywords == {"": ["Police Advisory Commission", "public safety"]}
    assert d.modified is None  # "modified": null in the file
    assert [s.label for s in d.spatial] == [{"": "Philadelphia, Pennsylvania"}]
    assert len(d.distributions) == 5
    assert {FT + "CSV", FT + "SHP"} <= set(d.formats)
    api = next(x for x in d.distributions if x.title == {"": "2009-2012 PAC Complaints (API)"})
    assert api.access_url.startswith("https://services.arcgis.com/") and api.download_url is None
    # One entry's accessURL is "hhttps://...": a valid URI, so the schema passes it; it is not linked.
    typo = [w for m in mapped for w in m.warnings if w.startswith("accessURL: 'hhttps://")]
    assert len(typo) == 1


def test_the_federal_schema_requires_bureau_codes(base):
    mapped, errors = harvest(f"{base}/datagov-harvester-fixtures/dcatus_with_none.json", schema="federal")
    # the federal schema also requires "modified", which Philadelphia leaves null
    assert len(errors) == 402 and not mapped
    assert sum("'bureauCode' is a required property" in str(e) for e in errors.values()) == 401


@pytest.mark.parametrize(("path", "field"), [
    ("datagov-harvester-fixtures/missing_title.json", "(dataset): 'title' is a required property"),
    ("datagov-harvester-fixtures/dcatus_no_identifier.json", "'identifier' is a required property"),
    ("datagov-harvester-fixtures/dcatus_bad_license_uri.json", "license: \"<p align="),
    ("datagov-harvester-fixtures/dcatus_multiple_invalid.json", "contactPoint/hasEmail: 'ocagoadmin@"),
    ("ckanext-datajson-samples/numerical-title.data.json", "title: 707 is not of type 'string'"),
    ("ckanext-datajson-samples/missing-dataset-fields.data.json", "'description' is a required property"),
    ("ckanext-datajson-samples/missing-identifier-title.data.json", "'identifier' is a required property"),
])
def test_invalid_entries_are_record_errors_naming_the_field(base, path, field):
    mapped, errors = harvest(f"{base}/{path}")
    assert any(field in str(e) for e in errors.values()), {k: str(e) for k, e in errors.items()}
    assert all(e.snippet and e.snippet.startswith("{") for e in errors.values())
    total = len(json.loads((US / path).read_text(encoding="utf-8"))["dataset"])
    assert len(mapped) + len(errors) == total  # the valid entries of the same file still map


def test_the_bad_distribution_is_named():
    from harvesters.datajson import record_errors

    path = US / "datagov-harvester-fixtures/dcatus_multiple_invalid.json"
    entry = json.loads(path.read_text())["dataset"][0]
    assert any(e.startswith("distribution/0/accessURL:") for e in record_errors(entry))


def test_a_catalog_without_conforms_to_is_reported_on_each_record(base):
    mapped, errors = harvest(f"{base}/ckanext-datajson-samples/missing-catalog.data.json")
    assert all("catalog: 'conformsTo' is a required property" in str(e) for e in errors.values())


def test_broken_json_fails_the_job(base):
    with pytest.raises(HarvestError, match="data.json is not JSON") as info:
        harvest(f"{base}/pod-dashboard-tests/baddata.json")
    assert info.value.snippet


def test_a_json_file_that_is_no_catalog_fails_the_job(base):
    with pytest.raises(HarvestError, match="not a DCAT-US catalog"):
        harvest(f"{base}/datagov-harvester-fixtures/dol-example.json")


def test_extended_sample_maps_the_dcat_us_fields():
    entry = json.loads((US / "pod-v1.1-examples/catalog-sample-extended.json").read_text())["dataset"][0]
    mapped = datajson_to_dcat(entry, "https://agency.example.gov/data.json")
    d = from_graph(mapped.graph, mapped.node)
    assert d.iri == "http://dx.doi.org/10.7927/H4PZ56R2"  # an http identifier is the IRI
    assert d.frequency == "http://publications.europa.eu/resource/authority/frequency/ANNUAL"  # R/P1Y
    assert d.temporal[0].start.startswith("2009-09-01T12:00:00")
    assert d.license == "http://publications.europa.eu/resource/authority/licence/CC0"
    assert d.language == ["http://publications.europa.eu/resource/authority/language/ENG"]
    assert d.publisher.name == {"": "Widget Services"}
    chain = mapped.graph.serialize(format="nt")
    assert "General Services Administration" in chain and "subOrganizationOf" in chain


def test_bbox_spatial_becomes_a_wkt_box():
    entry = json.loads((US / "ckanext-datajson-samples/usda.gov.data.json").read_text())["dataset"][1]
    d = from_graph(*(lambda m: (m.graph, m.node))(datajson_to_dcat(entry, "https://usda.gov/data.json")))
    assert d.spatial[0].bbox.startswith("POLYGON ((-134.91336517510808 21.082969302706488")


def test_dcat_us_3_is_mapped_partially(base):
    mapped, errors = harvest(f"{base}/datagov-harvester-fixtures/dcatus3_0.json")
    assert len(mapped) == 4 and not errors
    assert all(any(w.startswith("DCAT-US 3.0 is mapped partially") for w in m.warnings) for m in mapped)
    iris = sorted(str(m.node) for m in mapped)
    assert "https://example.gov/datasets/three" in iris  # an Identifier object's @id
    mapped, errors = harvest(f"{base}/datagov-harvester-fixtures/dcatus3_0_no_identifier.json")
    assert not mapped and "no usable identifier" in str(next(iter(errors.values())))
