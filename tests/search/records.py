"""Test records as real DCAT graphs, derived from real portal metadata in tests/fixtures.

A tiny stand-in for the inventory harvester: a few Shanghai and Guiyang rows (Chinese keys) become
dcat:Dataset graphs with the properties search reads; English and geo records are built the same way.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from elasticsearch import Elasticsearch
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from catalog import migrate
from catalog.namespaces import DCAT, DCT, FOAF, LOCN, RDF
from catalog.store import CatalogStore
from search.indexer import Indexer
from search.query import SearchService

FIXTURES = Path(__file__).parent.parent / "fixtures"
CN = FIXTURES / "chinese" / "mainland-portal-metadata-cnpds"
EU = "http://publications.europa.eu/resource/authority/"
ACCESS = {"无条件开放": EU + "access-right/PUBLIC", "有条件开放": EU + "access-right/RESTRICTED"}
FREQ = {"每年": EU + "frequency/ANNUAL", "每月": EU + "frequency/MONTHLY", "实时": EU + "frequency/CONT",
        "每日": EU + "frequency/DAILY", "每季度": EU + "frequency/QUARTERLY"}
ENVI = EU + "data-theme/ENVI"
TRAN = EU + "data-theme/TRAN"
CC_BY = EU + "licence/CC_BY_4_0"
SHANGHAI_BOX = "POLYGON((120.85 30.67, 122.2 30.67, 122.2 31.88, 120.85 31.88, 120.85 30.67))"
GUIYANG_BOX = "POLYGON((106.1 26.2, 107.3 26.2, 107.3 27.2, 106.1 27.2, 106.1 26.2))"


def dataset(iri: str, title: dict[str, str], *, description: dict[str, str] | None = None,
            keywords: list[tuple[str, str]] = (), publisher: tuple[str, str] | None = None,
            themes: list[str] = (), formats: list[str] = (), modified: str | None = None,
            issued: str | None = None, access_rights: str | None = None, frequency: str | None = None,
            licence: str | None = None, spatial: str | None = None,
            temporal: tuple[str | None, str | None] | None = None) -> tuple[URIRef, Graph]:
    g, node = Graph(), URIRef(iri)
    g.add((node, RDF.type, DCAT.Dataset))
    for prop, texts in ((DCT.title, title), (DCT.description, description or {})):
        for lang, text in texts.items():
            g.add((node, prop, Literal(text, lang=lang or None)))
    for text, lang in keywords:
        g.add((node, DCAT.keyword, Literal(text, lang=lang or None)))
    for theme in themes:
        g.add((node, DCAT.theme, URIRef(theme)))
    if publisher:
        agent = URIRef(publisher[0])
        g.add((node, DCT.publisher, agent))
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal(publisher[1], lang="en" if publisher[1].isascii() else "zh")))
    for i, fmt in enumerate(formats):
        dist = URIRef(f"{iri}/distribution/{i}")
        g.add((node, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.accessURL, URIRef(f"{iri}/download/{i}")))
        g.add((dist, DCT.format, URIRef(EU + "file-type/" + fmt.upper())))
    for prop, value in ((DCT.modified, modified), (DCT.issued, issued)):
        if value:
            g.add((node, prop, Literal(value, datatype=XSD.date if len(value) == 10 else None)))
    for prop, value in ((DCT.accessRights, access_rights), (DCT.accrualPeriodicity, frequency),
                        (DCT.license, licence)):
        if value:
            g.add((node, prop, URIRef(value)))
    if spatial:
        place = BNode()
        g.add((node, DCT.spatial, place))
        g.add((place, RDF.type, DCT.Location))
        g.add((place, LOCN.geometry, Literal(spatial)))
    if temporal:
        period = BNode()
        g.add((node, DCT.temporal, period))
        g.add((period, RDF.type, DCT.PeriodOfTime))
        for prop, value in zip((DCAT.startDate, DCAT.endDate), temporal, strict=True):
            if value:
                g.add((period, prop, Literal(value)))
    return node, g


def shanghai_rows() -> list[dict]:
    return json.loads((CN / "shanghai_shanghai.json").read_text(encoding="utf-8"))


def guiyang_rows() -> list[dict]:
    return json.loads((CN / "guizhou_guiyang.json").read_text(encoding="utf-8"))


def from_shanghai(row: dict, i: int, **overrides) -> tuple[URIRef, Graph]:
    publisher = row.get("数据提供方") or "上海市大数据中心"
    kwargs = dict(
        description={"zh": row["摘要"]} if row.get("摘要") else None,
        keywords=[(k.strip(), "zh") for k in (row.get("数据标签") or "").split(",") if k.strip()],
        publisher=(f"https://data.sh.gov.cn/org/{zlib.crc32(publisher.encode())}", publisher),
        formats=row.get("数据格式") or [], modified=row.get("更新日期"), issued=row.get("首次发布日期"),
        access_rights=ACCESS.get(row.get("开放属性", "")), frequency=FREQ.get(row.get("更新频度", "")),
        spatial=SHANGHAI_BOX,
    )
    kwargs.update(overrides)
    return dataset(f"https://data.sh.gov.cn/dataset/{i}", {"zh": row["数据集名称"]}, **kwargs)


def from_guiyang(row: dict, i: int, **overrides) -> tuple[URIRef, Graph]:
    publisher = row.get("数据提供方") or "贵阳市大数据局"
    kwargs = dict(
        description={"zh": row["数据摘要"]} if row.get("数据摘要") else None,
        publisher=(f"https://data.guiyang.gov.cn/org/{zlib.crc32(publisher.encode())}", publisher),
        formats=row.get("数据格式") or [], modified=row.get("更新时间"), issued=row.get("发布时间"),
        access_rights=ACCESS.get(row.get("开放属性", "")), frequency=FREQ.get(row.get("更新频率", "")),
        spatial=GUIYANG_BOX,
    )
    kwargs.update(overrides)
    return dataset(f"https://data.guiyang.gov.cn/dataset/{i}", {"zh": row["标题"]}, **kwargs)


def country_geometry(code: str) -> str:
    """A country's GeoJSON geometry from Natural Earth (1:110m), by ISO 3166 alpha-3 code."""
    countries = json.loads((FIXTURES / "geojson" / "natural-earth-110m" / "ne_110m_admin_0_countries.geojson")
                           .read_text(encoding="utf-8"))
    feature = next(f for f in countries["features"] if f["properties"]["ADM0_A3"] == code)
    return json.dumps(feature["geometry"])


def fiji_geometry() -> str:
    """Fiji: a real MultiPolygon lying on both sides of the antimeridian."""
    return country_geometry("FJI")


def load(store: CatalogStore, records: list[tuple[URIRef, Graph]], source: str = "test") -> list[str]:
    for node, graph in records:
        store.upsert(node, graph, source=source)
    return [str(node) for node, _ in records]


def indexed(directory: Path, es: Elasticsearch, prefix: str, records: list[tuple[URIRef, Graph]]
            ) -> SearchService:
    """A search service over `records`, stored in a fresh SQLite catalogue and indexed by the real Indexer."""
    url = f"sqlite:///{directory / 'catalogue.db'}"
    migrate.upgrade(url)
    store = CatalogStore.from_url(url)
    load(store, records)
    Indexer(es, prefix).reindex(store)
    store.engine.dispose()
    return SearchService(es, prefix)
