package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Folds accented Latin letters to ASCII (Zürich → Zurich, Bogotá → Bogota; pinyin tone marks too), so a
 * query typed without accents still matches. Also normalizes query_string wildcard/prefix terms (ZÜR* finds
 * Zürich); Elasticsearch does not let stable-API filters into custom normalizers of keyword fields.
 */
@NamedComponent("kaifang_ascii_folding")
public final class AsciiFoldingFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream input) {
        return new ASCIIFoldingFilter(input);
    }

    @Override
    public TokenStream normalize(TokenStream input) {
        return create(input);
    }
}
