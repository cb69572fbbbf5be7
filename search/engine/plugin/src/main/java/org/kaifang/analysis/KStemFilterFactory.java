package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.KStemFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * Krovetz stemming: dictionary-checked and gentler than Porter (buses → bus where Porter gives buse, and bus → bus
 * where Porter gives bu), so singular and plural meet and stems stay words. Expects lower case.
 */
@NamedComponent("kaifang_kstem")
public final class KStemFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream input) {
        return new KStemFilter(input);
    }
}
