"""Hostile archives and oversized input: each refused with a GeoError before anything lands outside tmp."""

from __future__ import annotations

import io
import os
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from geo.errors import GeoError
from geo.read import read_layer
from geo.safety import Limits, safe_extract
from tests.geo.samples import shanghai_polygons


def _zip(members: dict[str, bytes], infos: list[zipfile.ZipInfo] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for info in infos:
            archive.writestr(info, b"/etc/passwd")
    return buffer.getvalue()


def _geojson() -> bytes:
    return shanghai_polygons().to_json().encode()


def test_zip_bomb_is_refused_before_extraction(tmp_path, limits):
    bomb = _zip({"data.geojson": _geojson(), "padding.csv": bytes(60_000_000)})
    assert len(bomb) < 100_000  # 60 MB of zeros deflate to ~60 kB
    with pytest.raises(GeoError, match="zip bomb"):
        read_layer(bomb, limits=limits)
    with pytest.raises(GeoError, match="expands to"):
        read_layer(bomb, limits=Limits(max_compression_ratio=1e9, max_uncompressed_bytes=10_000_000))


@pytest.mark.parametrize(
    "name", ["../evil.geojson", "/tmp/evil.geojson", "data/../../evil.geojson", "C:/evil.geojson"]
)
def test_path_traversal_members_are_refused(tmp_path, limits, name):
    archive = tmp_path / "traversal.zip"
    archive.write_bytes(_zip({name: _geojson()}))
    dest = tmp_path / "out" / "inner"
    dest.mkdir(parents=True)
    with pytest.raises(GeoError, match="outside the archive"):
        safe_extract(archive, dest, limits)
    with pytest.raises(GeoError, match="outside the archive"):
        read_layer(archive, limits=limits)
    assert not list(tmp_path.rglob("evil.geojson")) and not Path("/tmp/evil.geojson").exists()


def test_symlink_member_is_refused(tmp_path, limits):
    link = zipfile.ZipInfo("data.geojson")
    link.create_system = 3  # Unix
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip({}, [link])
    with pytest.raises(GeoError, match="symbolic link"):
        read_layer(archive, limits=limits)


def test_too_many_members(limits):
    archive = _zip({f"part{i}.geojson": _geojson() for i in range(5)})
    with pytest.raises(GeoError, match="5 members, over the limit of 3"):
        read_layer(archive, limits=Limits(max_files_in_zip=3))
    assert len(read_layer(archive, limits=limits)) == 2  # the first GeoJSON of a normal archive


def test_oversized_bytes_and_files(tmp_path):
    data = _geojson()
    with pytest.raises(GeoError, match="over the limit of 100 bytes"):
        read_layer(data, limits=Limits(max_bytes=100))
    path = tmp_path / "big.geojson"
    path.write_bytes(data)
    with pytest.raises(GeoError, match="over the limit of 100 bytes"):
        read_layer(path, limits=Limits(max_bytes=100))


def test_xlsx_is_checked_as_an_archive(tmp_path, limits):
    workbook = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": bytes(50_000_000)})
    with pytest.raises(GeoError, match="zip bomb"):
        read_layer(workbook, limits=limits)


def test_temporary_files_are_removed(tmp_path, limits, monkeypatch):
    """Uploads and extracted members live in a temporary directory that is gone once the read returns."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    read_layer(_zip({"a.geojson": _geojson()}), limits=limits)
    assert os.listdir(tmp_path) == []
