package org.kaifang.geo;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.lucene.document.LatLonShape;
import org.apache.lucene.geo.LatLonGeometry;
import org.apache.lucene.search.Query;
import org.elasticsearch.common.Explicit;
import org.elasticsearch.common.geo.GeometryFormatterFactory;
import org.elasticsearch.common.geo.GeometryParser;
import org.elasticsearch.common.geo.Orientation;
import org.elasticsearch.common.geo.ShapeRelation;
import org.elasticsearch.geometry.Geometry;
import org.elasticsearch.index.mapper.AbstractShapeGeometryFieldMapper;
import org.elasticsearch.index.mapper.DocumentParserContext;
import org.elasticsearch.index.mapper.FieldMapper;
import org.elasticsearch.index.mapper.GeoShapeIndexer;
import org.elasticsearch.index.mapper.GeoShapeParser;
import org.elasticsearch.index.mapper.GeoShapeQueryable;
import org.elasticsearch.index.mapper.Mapper;
import org.elasticsearch.index.mapper.MapperBuilderContext;
import org.elasticsearch.index.query.SearchExecutionContext;

/**
 * An indexed-only {@code geo_shape}: GeoJSON or WKT in, Lucene {@link LatLonShape} triangles in the index, and
 * the standard {@code geo_shape} query (intersects, within, disjoint, contains) on them. The server's
 * {@link GeoShapeIndexer} normalises each shape first, splitting it at the antimeridian.
 * No doc values, so no aggregations, sorting or scripts on the field: Kaifang only filters by area.
 */
public final class GeoShapeFieldMapper extends AbstractShapeGeometryFieldMapper<Geometry> {
    public static final String CONTENT_TYPE = "geo_shape";

    public static final Mapper.TypeParser PARSER = (name, node, context) -> {
        Builder builder = new Builder(
            name,
            IGNORE_MALFORMED_SETTING.get(context.getSettings()),
            COERCE_SETTING.get(context.getSettings())
        );
        builder.parse(name, context, node);
        return builder;
    };

    private final Builder builder;
    private final GeoShapeIndexer indexer;

    private GeoShapeFieldMapper(String name, FieldType fieldType, BuilderParams params, GeoShapeParser parser, Builder builder) {
        super(
            name,
            fieldType,
            params,
            builder.ignoreMalformed.get(),
            builder.coerce.get(),
            builder.ignoreZValue.get(),
            builder.orientation.get(),
            parser
        );
        this.builder = builder;
        this.indexer = new GeoShapeIndexer(builder.orientation.get().value(), fieldType.name());
    }

    private static Builder builder(FieldMapper mapper) {
        return ((GeoShapeFieldMapper) mapper).builder;
    }

    /** The mapping parameters of x-pack's geo_shape that make sense without doc values. */
    public static final class Builder extends FieldMapper.Builder {
        private final Parameter<Explicit<Boolean>> ignoreMalformed;
        private final Parameter<Explicit<Boolean>> coerce;
        private final Parameter<Explicit<Boolean>> ignoreZValue = ignoreZValueParam(m -> builder(m).ignoreZValue.get());
        private final Parameter<Explicit<Orientation>> orientation = orientationParam(m -> builder(m).orientation.get());
        private final Parameter<Map<String, String>> meta = Parameter.metaParam();

        Builder(String name, boolean ignoreMalformedByDefault, boolean coerceByDefault) {
            super(name);
            this.ignoreMalformed = ignoreMalformedParam(m -> builder(m).ignoreMalformed.get(), ignoreMalformedByDefault);
            this.coerce = coerceParam(m -> builder(m).coerce.get(), coerceByDefault);
        }

        @Override
        protected Parameter<?>[] getParameters() {
            return new Parameter<?>[] { ignoreMalformed, coerce, ignoreZValue, orientation, meta };
        }

        @Override
        public GeoShapeFieldMapper build(MapperBuilderContext context) {
            Orientation orient = orientation.get().value();
            GeometryParser geometryParser = new GeometryParser(orient.getAsBoolean(), coerce.get().value(), ignoreZValue.get().value());
            GeoShapeParser parser = new GeoShapeParser(geometryParser, orient);
            FieldType fieldType = new FieldType(context.buildFullName(leafName()), parser, orient, meta.get());
            return new GeoShapeFieldMapper(leafName(), fieldType, builderParams(this, context), parser, this);
        }
    }

    /** Searchable, not stored, no doc values; values for `fields` come from _source. */
    public static final class FieldType extends AbstractShapeGeometryFieldType<Geometry> implements GeoShapeQueryable {
        FieldType(String name, GeoShapeParser parser, Orientation orientation, Map<String, String> meta) {
            super(name, true, false, false, parser, orientation, meta);
        }

        @Override
        public String typeName() {
            return CONTENT_TYPE;
        }

        @Override
        public Query geoShapeQuery(SearchExecutionContext context, String fieldName, ShapeRelation relation, LatLonGeometry... geometries) {
            return LatLonShape.newGeometryQuery(fieldName, relation.getLuceneRelation(), geometries);
        }

        @Override
        protected Function<List<Geometry>, List<Object>> getFormatter(String format) {
            return GeometryFormatterFactory.getFormatter(format, Function.identity());
        }
    }

    @Override
    protected void index(DocumentParserContext context, Geometry geometry) {
        if (geometry == null) {
            return;
        }
        context.doc().addAll(indexer.getIndexableFields(indexer.normalize(geometry)));
        context.addToFieldNames(fieldType().name());  // so that `exists` finds documents with a shape
    }

    @Override
    protected String contentType() {
        return CONTENT_TYPE;
    }

    @Override
    public FieldMapper.Builder getMergeBuilder() {
        return new Builder(leafName(), builder.ignoreMalformed.getDefaultValue().value(), builder.coerce.getDefaultValue().value())
            .init(this);
    }
}
