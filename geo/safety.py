"""Limits on untrusted geodata, and the one way archives are opened: checked first, then extracted by hand.

Everything the portal reads comes from publishers' servers or upload forms, so sizes, archive members and
member counts are checked against `Limits` before a byte is decompressed to disk. Members are written one by
one into a directory the caller owns (never `extractall`), so no member name or symlink can place a file
anywhere else.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geo.errors import GeoError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one file; the defaults suit a portal's synchronous upload or harvest step."""

    max_bytes: int = 200 * 1024 * 1024
    max_features: int = 1_000_000
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_files_in_zip: int = 100
    max_compression_ratio: float = 200.0  # a member expanding more than this many times is a bomb


def check_size(size: int, limits: Limits, what: str = "file") -> None:
    if size > limits.max_bytes:
        raise GeoError(f"{what} is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes")


def check_zip(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The archive's file members, after refusing bombs, traversal, symlinks and too many members."""
    members = archive.infolist()
    if len(members) > limits.max_files_in_zip:
        raise GeoError(f"archive has {len(members)} members, over the limit of {limits.max_files_in_zip}")
    total = 0
    for info in members:
        _check_name(info)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise GeoError(f"archive member {info.filename!r} is a symbolic link; links are refused")
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise GeoError(
                f"archive member {info.filename!r} expands {ratio:,.0f} times (limit "
                f"{limits.max_compression_ratio:,.0f}); refusing a likely zip bomb"
            )
        total += info.file_size
    if total > limits.max_uncompressed_bytes:
        raise GeoError(
            f"archive expands to {total:,} bytes, over the limit of {limits.max_uncompressed_bytes:,} bytes"
        )
    return [m for m in members if not m.is_dir()]


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
        raise GeoError(f"archive member name {name!r} points outside the archive; refusing path traversal")


def safe_extract(source: Path, dest: Path, limits: Limits) -> list[Path]:
    """Extract a zip archive into `dest` (which the caller created and owns); returns the files written.

    Each member is copied with a byte counter, so a header that lies about its size still cannot write more
    than the limits allow.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = check_zip(archive, limits)
            return [_extract_one(archive, info, dest, limits) for info in members]
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise GeoError(f"not a readable zip archive: {exc}") from exc


def _extract_one(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, limits: Limits) -> Path:
    target = dest.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
    if not target.resolve().is_relative_to(dest.resolve()):
        raise GeoError(f"archive member name {info.filename!r} points outside the archive")
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as src, open(target, "wb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > limits.max_uncompressed_bytes:
                raise GeoError(f"archive member {info.filename!r} expands past the uncompressed limit")
            out.write(chunk)
    return target
