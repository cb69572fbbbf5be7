"""Distributions in the format people need, and the one guarded, cached way the portal fetches a file.

/dataset/<name>/distributions/<index>/convert?to=geojson|gpkg|shp|csv|kml downloads the publisher's file
through the GuardedClient (no internal addresses, size and time limits), converts it with `geo.convert` and
keeps the result in a ConversionCache under var/cache/geo. Previews and the OGC API fetch through `fetch`
too, so a file is downloaded once per hour whichever feature asks. The four caches under var/cache (fetch,
geo, preview, ogc) each keep at most a quarter of `geo_cache_bytes`, oldest files going first. Anything
refused (too big, internal address, remote error, not geodata) is a `Refused` with a status and a message
for people, as HTML or JSON."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file

from catalog.model import Distribution
from catalog.store import StoredDataset
from geo.convert import TARGETS, ConversionCache, convert
from geo.errors import GeoError
from geo.safety import Limits
from harvesters.geo_enrich import geo_hint
from harvesters.http import MB, GuardedClient
from harvesters.source import HarvestError
from portal.web import deps

bp = Blueprint("downloads", __name__)
FETCH_TTL = 3600  # seconds a downloaded file is reused before it is fetched again
MEDIA = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
         "shp": "application/zip", "csv": "text/csv", "kml": "application/vnd.google-earth.kml+xml"}


class Refused(Exception):
    """A request the portal will not serve, with the HTTP status and a message for the reader."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def setting(name: str, default: object) -> object:
    """An optional setting (the lead adds them to portal.config); the default until it exists."""
    return getattr(deps.settings(), name, default)


def max_bytes() -> int:
    return int(setting("geo_max_bytes", 50 * MB))


def client() -> GuardedClient:
    """The app's guarded client (tests put one allowing 127.0.0.1 in app.extensions first)."""
    services = current_app.extensions["kaifang"]
    if "http" not in services:
        services["http"] = GuardedClient(max_bytes=max_bytes(), total_timeout=60, retries=1)
    return services["http"]


def cache_dir(kind: str) -> Path:
    path = Path(deps.settings().var) / "cache" / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def trim(directory: Path) -> None:
    """Remove the least recently written files of a cache directory past its share of the cache budget."""
    budget = int(setting("geo_cache_bytes", 2 * 1024**3)) // 4
    files = sorted((p for p in directory.iterdir() if p.is_file()), key=lambda p: p.stat().st_mtime)
    total = sum(p.stat().st_size for p in files)
    for old in files[:-1]:
        if total <= budget:
            break
        total -= old.stat().st_size
        old.unlink(missing_ok=True)


def distribution(name: str, index: int) -> tuple[StoredDataset, Distribution, str]:
    """The active dataset's distribution number `index` and its URL, or a 404/410."""
    stored = deps.store().get_by_name(name)
    if stored is None or not 0 <= index < len(stored.dataset.distributions):
        abort(404)
    if stored.status != "active":
        abort(410)
    dist = stored.dataset.distributions[index]
    url = dist.download_url or dist.access_url
    if not url:
        raise Refused(404, "this distribution has no download address")
    return stored, dist, url


def fetch(url: str, dist: Distribution | None = None) -> Path:
    """The file at `url`, downloaded through the guard at most once per FETCH_TTL, as a local path."""
    limit = max_bytes()
    if dist and dist.byte_size and dist.byte_size > limit:
        raise Refused(413, f"the file is {dist.byte_size:,} bytes; files over {limit:,} bytes are not "
                           "converted or previewed here: download the original")
    path = cache_dir("fetch") / hashlib.sha256(url.encode()).hexdigest()
    if path.is_file() and time.time() - path.stat().st_mtime < FETCH_TTL:
        return path
    try:
        data = client().get_bytes(url).data
    except HarvestError as exc:
        raise _refusal(exc) from exc
    if len(data) > limit:
        raise Refused(413, f"the file is over the limit of {limit:,} bytes: download the original")
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
    trim(path.parent)
    return path


def _refusal(exc: HarvestError) -> Refused:
    text = str(exc)
    if "exceeds" in text:
        return Refused(413, f"the file is too big to convert or preview here: {text}")
    if "refused" in text:
        return Refused(403, f"the file's address is not public, so the portal will not fetch it ({text})")
    return Refused(502, f"the publisher's server did not deliver the file: {text}")


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/geo+json"])
    if request.path.endswith(".geojson") or request.args.get("f") == "json":
        return True
    return best in ("application/json", "application/geo+json")


@bp.app_errorhandler(Refused)
def refused(exc: Refused):
    if wants_json():
        return jsonify(error=exc.message, status=exc.status), exc.status
    return render_template("_preview_error.html", message=exc.message, status=exc.status), exc.status


@bp.get("/dataset/<name>/distributions/<int:index>/convert")
def convert_view(name: str, index: int):
    target = request.args.get("to", "geojson")
    if target not in TARGETS:
        raise Refused(400, f"unknown format {target[:20]!r}; choose one of {', '.join(TARGETS)}")
    stored, dist, url = distribution(name, index)
    source = fetch(url, dist)
    limits = Limits(max_bytes=max_bytes())
    cache = ConversionCache(cache_dir("geo"), int(setting("geo_cache_bytes", 2 * 1024**3)) // 4)
    try:
        result = convert(source, geo_hint(dist), target, limits=limits, cache=cache)
    except GeoError as exc:
        raise Refused(422, f"this file cannot be converted: {exc}") from exc
    filename = f"{stored.name}-{index}{TARGETS[target].suffix}"
    return send_file(result, mimetype=MEDIA[target], as_attachment=True, download_name=filename)
