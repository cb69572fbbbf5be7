"""Geospatial coverage for Kaifang: read published geodata safely, compute extents, convert, name regions.

    read.read_layer        file or bytes -> GeoDataFrame in EPSG:4326 (safety.Limits, errors.GeoError)
    extent.compute_extent  GeoDataFrame -> Extent(bbox, footprint, centroid, crs_source, feature_count)
    extent.to_dcat         Extent -> dct:Location graph (dcat:bbox, locn:geometry, dcat:centroid)
    convert.convert        GeoJSON / GeoPackage / zipped Shapefile / CSV (WKT) / KML, with ConversionCache
    gazetteer              countries and China's provinces from shapes, names and Dataset projections

geo/ may import catalog/ and vocab/, never portal/, search/ or harvesters/; downloading is the caller's job.
"""
