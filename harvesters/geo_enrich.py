"""Enrichment: the extent of a dataset computed from its geodata distributions, added to its DCAT graph.

For each distribution that looks geospatial (by format, media type or file extension), the file is downloaded
through the caller's GuardedClient, read with `read_layer` and measured with `compute_extent`; the union of
the readable ones becomes one dct:spatial Location attributed to Kaifang (`prov:wasAttributedTo
COMPUTED_BY`), which replaces the previous computed one and leaves publisher-given Locations alone.

Every read, good or bad, is recorded per distribution in the `geo_reads` table (migration 0004): the error
message a publisher needs to fix a file, and for good reads the bbox and feature count that the OGC API
lists as collections. A failed read never touches the dataset. `enrich_many` is the optional harvest step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
from rdflib import Graph, URIRef
from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from catalog.model import Dataset, Distribution
from catalog.namespaces import DCT, PROV
from catalog.store import CatalogStore
from catalog.tables import Base, DatasetRow, utcnow
from geo.errors import GeoError
from geo.extent import compute_extent, to_dcat
from geo.read import read_layer
from geo.safety import Limits
from harvesters.http import GuardedClient
from harvesters.source import HarvestError

COMPUTED_BY = URIRef("https://w3id.org/kaifang/agent/geo-enrichment")
# format, media type or extension (lower case, last path segment) -> read_layer's format hint
HINTS = {
    "geojson": "geojson", "geo+json": "geojson", "vnd.geo+json": "geojson",
    "shp": "zip", "shapefile": "zip", "zip": "zip", "x-zip-compressed": "zip", "kmz": "zip",
    "vnd.google-earth.kmz": "zip", "gpkg": "gpkg", "geopackage": "gpkg", "geopackage+sqlite3": "gpkg",
    "kml": "kml", "vnd.google-earth.kml+xml": "kml", "csv": "csv", "xlsx": "xlsx",
    "vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}  # fmt: skip
# GeoError messages meaning "this table or archive simply is not geodata": skipped, not an error
NOT_GEODATA = ("no coordinate columns found", "the archive holds no geodata file")


class GeoRead(Base):
    """The latest read of one distribution (by its position in the dataset's projection)."""

    __tablename__ = "geo_reads"
    __table_args__ = (UniqueConstraint("dataset_iri", "distribution", name="uq_geo_reads_distribution"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_iri: Mapped[str] = mapped_column(String(2048), index=True)
    distribution: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2048))
    format: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # "ok" | "failed" | "skipped"
    message: Mapped[str | None] = mapped_column(Text)
    bbox: Mapped[list | None] = mapped_column(JSON)  # [west, south, east, north], CRS84
    feature_count: Mapped[int | None] = mapped_column(Integer)
    crs_source: Mapped[str | None] = mapped_column(String(255))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass
class EnrichResult:
    iri: str
    status: str  # "enriched" | "unchanged" | "failed" | "skipped" (no geodata) | "missing"
    bbox: tuple[float, float, float, float] | None = None
    read: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    index: int
    url: str
    hint: str


def _tail(value: str | None) -> str:
    return (value or "").strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].lower()


def _extension(url: str | None) -> str:
    try:
        return PurePosixPath(urlsplit(url or "").path).suffix.lstrip(".").lower()
    except ValueError:
        return ""


def geo_hint(dist: Distribution) -> str | None:
    """read_layer's format hint when the distribution looks like geodata (format, media type, extension)."""
    url = dist.download_url or dist.access_url
    for name in (_tail(dist.format), _tail(dist.media_type), _extension(url)):
        if name in HINTS:
            return HINTS[name]
    return None


def candidates(dataset: Dataset) -> list[Candidate]:
    """Distributions worth reading: a geodata-looking format and a URL to fetch."""
    found = []
    for index, dist in enumerate(dataset.distributions):
        url, hint = dist.download_url or dist.access_url, geo_hint(dist)
        if url and hint:
            found.append(Candidate(index, url, hint))
    return found


def read_distribution(client: GuardedClient, url: str, hint: str, limits: Limits) -> gpd.GeoDataFrame:
    """Download through the guard and read; raises GeoError or HarvestError."""
    fetched = client.get_bytes(url)
    return read_layer(fetched.data, hint, limits=limits)


def enrich(store: CatalogStore, iri: str, client: GuardedClient,
           limits: Limits | None = None) -> EnrichResult:
    """Read the dataset's geodata distributions and store their extent as a computed dct:spatial Location."""
    stored = store.get(iri)
    if stored is None:
        return EnrichResult(iri, "missing", errors=[f"{iri}: no such dataset"])
    limits = limits or Limits()
    result, frames = EnrichResult(iri, "skipped"), []
    for cand in candidates(stored.dataset):
        gdf = _read_one(store, iri, cand, client, limits, result)
        if gdf is not None:
            frames.append(gdf[[gdf.geometry.name]])
    if not frames:
        result.status = "failed" if result.errors else "skipped"
        return result
    merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    merged.attrs["crs_source"] = ", ".join(sorted({f.attrs.get("crs_source", "EPSG:4326") for f in frames}))
    extent = compute_extent(merged)
    result.bbox = extent.bbox
    graph = with_extent(stored.graph(), iri, to_dcat(extent, iri))
    result.status = "enriched" if store.upsert(URIRef(iri), graph) != "unchanged" else "unchanged"
    return result


def _read_one(store: CatalogStore, iri: str, cand: Candidate, client: GuardedClient, limits: Limits,
              result: EnrichResult) -> gpd.GeoDataFrame | None:
    """One distribution read and recorded; None (and a recorded reason) when it cannot be used."""
    try:
        gdf = read_distribution(client, cand.url, cand.hint, limits)
        extent = compute_extent(gdf)
    except GeoError as exc:
        skipped = str(exc).startswith(NOT_GEODATA)
        _record(store, iri, cand, "skipped" if skipped else "failed", f"cannot read the geodata: {exc}")
        if not skipped:
            result.errors.append(f"{cand.url}: {exc}")
        return None
    except HarvestError as exc:
        _record(store, iri, cand, "failed", f"cannot download the file: {exc}")
        result.errors.append(f"{cand.url}: {exc}")
        return None
    _record(store, iri, cand, "ok", None, list(extent.bbox), extent.feature_count, extent.crs_source)
    result.read += 1
    return gdf


def with_extent(graph: Graph, iri: str, location: Graph) -> Graph:
    """`graph` with its previous computed Location replaced by `location` (publishers' ones are kept)."""
    node = URIRef(iri)
    for old in list(graph.objects(node, DCT.spatial)):
        if (old, PROV.wasAttributedTo, COMPUTED_BY) in graph:
            graph.remove((node, DCT.spatial, old))
            graph.remove((old, None, None))
    new = location.value(node, DCT.spatial)
    location.add((new, PROV.wasAttributedTo, COMPUTED_BY))
    graph += location
    return graph


def _record(store: CatalogStore, iri: str, cand: Candidate, status: str, message: str | None,
            bbox: list[float] | None = None, count: int | None = None, crs: str | None = None) -> None:
    with store.sessions.begin() as s:
        s.execute(delete(GeoRead).where(GeoRead.dataset_iri == iri, GeoRead.distribution == cand.index))
        s.add(GeoRead(dataset_iri=iri, distribution=cand.index, url=cand.url[:2048], format=cand.hint,
                      status=status, message=message and message[:2000], bbox=bbox, feature_count=count,
                      crs_source=crs and crs[:255], read_at=utcnow()))


def reads_for(store: CatalogStore, iri: str) -> list[GeoRead]:
    """The dataset's recorded reads (for its page: computed extents and errors to show the publisher)."""
    with store.sessions() as s:
        return list(s.scalars(select(GeoRead).where(GeoRead.dataset_iri == iri)
                              .order_by(GeoRead.distribution)))


def readable(store: CatalogStore) -> list[tuple[str, str, GeoRead]]:
    """(dataset name, dataset title, read) of every distribution read well, of active datasets."""
    query = (select(DatasetRow.name, DatasetRow.title, GeoRead)
             .join(DatasetRow, DatasetRow.iri == GeoRead.dataset_iri)
             .where(GeoRead.status == "ok", DatasetRow.status == "active")
             .order_by(DatasetRow.name, GeoRead.distribution))
    with store.sessions() as s:
        return [(name, title, read) for name, title, read in s.execute(query)]


def geo_datasets(store: CatalogStore) -> Iterator[str]:
    """IRIs of active datasets with at least one geodata-looking distribution."""
    for stored in store.iter_datasets():
        if candidates(stored.dataset):
            yield stored.iri


def enrich_many(store: CatalogStore, iris: Iterable[str], client: GuardedClient, limits: Limits | None = None,
                progress: Callable[[EnrichResult], None] | None = None) -> list[EnrichResult]:
    """The optional harvest step: enrich each dataset; one dataset's failure never stops the others."""
    results = []
    for iri in iris:
        result = enrich(store, iri, client, limits)
        results.append(result)
        if progress:
            progress(result)
    return results
