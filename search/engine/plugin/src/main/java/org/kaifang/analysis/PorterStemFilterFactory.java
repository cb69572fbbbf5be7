package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** English Porter stemming (buses → buse, statistics → statist), so "statistic" finds "statistics". Expects lower case. */
@NamedComponent("kaifang_porter_stem")
public final class PorterStemFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream input) {
        return new PorterStemFilter(input);
    }
}
