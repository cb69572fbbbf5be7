package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Folds full-width ASCII (ＰＭ２.５) to half-width and half-width Katakana to full-width, so text typed with
 * a CJK input method matches text typed without one. Also normalizes query_string wildcard/prefix terms.
 */
@NamedComponent("kaifang_cjk_width")
public final class CjkWidthFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream input) {
        return new CJKWidthFilter(input);
    }

    @Override
    public TokenStream normalize(TokenStream input) {
        return create(input);
    }
}
