package org.kaifang.geo;

import java.util.Map;

import org.elasticsearch.index.mapper.Mapper;
import org.elasticsearch.plugins.MapperPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * Registers {@code geo_shape}, which this distribution lacks (the field type lives in x-pack's spatial module).
 * A classic plugin, because the stable plugin API has no mapper extension point.
 */
public final class KaifangGeoPlugin extends Plugin implements MapperPlugin {
    @Override
    public Map<String, Mapper.TypeParser> getMappers() {
        return Map.of(GeoShapeFieldMapper.CONTENT_TYPE, GeoShapeFieldMapper.PARSER);
    }
}
