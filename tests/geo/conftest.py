"""Fixtures the geo tests share: generous limits, and Natural Earth from the fixtures."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo.safety import Limits

NATURAL_EARTH = Path(__file__).parents[1] / "fixtures" / "geojson" / "natural-earth-110m"


@pytest.fixture
def limits() -> Limits:
    return Limits(max_bytes=20_000_000, max_features=10_000)


@pytest.fixture(scope="session")
def natural_earth() -> gpd.GeoDataFrame:
    return gpd.read_file(NATURAL_EARTH / "ne_110m_admin_0_countries.geojson")
