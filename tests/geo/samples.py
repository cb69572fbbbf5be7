"""Shapes the geo tests share: a Shanghai box and point, and two polygons with Chinese attributes."""

from __future__ import annotations

import geopandas as gpd
import shapely

SHANGHAI_BOX = (121.2, 30.9, 121.9, 31.5)  # lon/lat box over central Shanghai
SHANGHAI_POINT = (121.4737, 31.2304)  # 人民广场


def shanghai_polygons() -> gpd.GeoDataFrame:
    """Two districts-like polygons with Chinese attributes, densified so reprojection keeps the box."""
    west, south, east, north = SHANGHAI_BOX
    shapes = [shapely.box(west, south, 121.5, north), shapely.box(121.5, south, east, north)]
    return gpd.GeoDataFrame(
        {
            "名称": ["浦西", "浦东"],
            "数据提供方": ["上海市规划和自然资源局", "上海市浦东新区人民政府"],
            "面积": [1.5, 2.5],
        },
        geometry=shapely.segmentize(shapes, 0.005),
        crs="EPSG:4326",
    )
