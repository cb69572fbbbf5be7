"""OGC API – Features (Part 1, read-only) at /ogc: each geodata distribution Kaifang has read is a collection.

GEO_MODULES are all the geospatial blueprints (regions, conversions, previews, OGC API), so the app factory
registers them with one name.
"""

from portal.ogc import views
from portal.ogc.views import bp
from portal.web import downloads, preview, regions

GEO_MODULES = (regions, downloads, preview, views)

__all__ = ["GEO_MODULES", "bp"]
