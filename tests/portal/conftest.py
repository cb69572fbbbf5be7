"""A real portal over a real catalogue: the app on each DB backend, loaded with the DCAT examples
(plus a bilingual record and a hostile one written here as Turtle and imported the same way)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from catalog.importer import import_file
from catalog.store import CatalogStore, name_for
from portal import create_app
from portal.config import ROOT, load
from tests.live import serve

EXAMPLES = ["w3c-dcat3/examples/ga-courts.ttl", "w3c-dcat3/examples/basic-example.ttl",
            "w3c-dcat3/examples/csiro-dap-examples.ttl", "dcat-ap/3.0.1/examples/example-bee-population.ttl"]

BILINGUAL = """
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<https://data.example.cn/dataset/air-quality> a dcat:Dataset ;
  dct:title "空气质量日报"@zh, "Daily air quality"@en ;
  dct:description "全市**空气质量**监测数据。"@zh, "City-wide **air quality** readings."@en ;
  dcat:keyword "空气"@zh, "air"@en ;
  dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY> ;
  dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> ;
  dct:language <http://publications.europa.eu/resource/authority/language/ZHO> ;
  dct:issued "2023-01-01" ; dct:modified "2024-03-05" ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-01" ; dcat:endDate "2023-12-31" ] ;
  dct:spatial [ a dct:Location ; dcat:bbox "POLYGON((121 31,122 31,122 32,121 32,121 31))" ] ;
  dct:publisher <https://data.example.cn/org/epb> ;
  dcat:contactPoint [ a vcard:Kind ; vcard:fn "数据办"@zh ; vcard:hasEmail <mailto:data@example.cn> ] ;
  dcat:distribution [ a dcat:Distribution ; dct:title "日报 CSV"@zh, "Daily CSV"@en ;
    dcat:downloadURL <https://data.example.cn/files/air.csv> ; dcat:byteSize 20480 ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ;
    dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ;
    dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> ] .
<https://data.example.cn/org/epb> a foaf:Organization ; foaf:name "生态环境局"@zh, "Environment Bureau"@en ;
  foaf:mbox <mailto:epb@example.cn> .
"""

HOSTILE = r'''
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://evil.example/dataset/x> a dcat:Dataset ;
  dct:title "<script>alert('title')</script> Evil</script><!--"@en ;
  dct:description """Some **bold** text <img src=x onerror=alert(1)> [click](javascript:alert(2))
<script>alert(3)</script> <a href="javascript:alert(4)" onclick="alert(5)">raw link</a>"""@en ;
  dcat:keyword "<script>alert(6)</script>"@en, "\" onmouseover=\"alert(7)"@en ;
  dcat:landingPage <javascript:alert(8)> ;
  dcat:theme <javascript:alert(9)> ;
  dct:publisher <https://evil.example/org> ;
  dcat:distribution [ a dcat:Distribution ; dct:title "</script><script>alert(10)</script>"@en ;
    dcat:accessURL <javascript:alert(11)> ; dcat:downloadURL <https://evil.example/data.csv> ] .
<https://evil.example/org> a foaf:Agent ; foaf:name "<b onmouseover=alert(12)>Evil org</b>"@en .
'''


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """What `make` does at set-up (pybabel compile): .po sources -> .mo catalogues Flask-Babel reads."""
    for po in (ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source, po.with_suffix(".mo").open("wb") as target:
            write_mo(target, read_po(source))


@dataclass
class Site:
    app: object
    store: CatalogStore
    bilingual: str
    hostile: str

    def client(self):
        return self.app.test_client()


@pytest.fixture
def site(db_url, tmp_path, fixtures) -> Iterator[Site]:
    app = create_app(load({"DATABASE_URL": db_url, "KAIFANG_VAR": str(tmp_path), "SECRET_KEY": "test"}))
    store = app.extensions["kaifang"]["store"]
    for relative in EXAMPLES:
        assert import_file(store, fixtures / relative).ok
    for name, text in (("bilingual.ttl", BILINGUAL), ("hostile.ttl", HOSTILE)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        result = import_file(store, tmp_path / name)
        assert result.ok, result.error
    yield Site(app, store, name_for("https://data.example.cn/dataset/air-quality"),
               name_for("https://evil.example/dataset/x"))
    store.engine.dispose()


@pytest.fixture
def server(site) -> Iterator[str]:
    """The portal on a real HTTP server on 127.0.0.1 (a free port), for real HTTP clients."""
    with serve(site.app) as url:
        yield url


def names(store: CatalogStore) -> list[str]:
    return sorted(s.name for s in store.iter_datasets())
