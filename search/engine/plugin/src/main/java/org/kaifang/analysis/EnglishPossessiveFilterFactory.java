package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** Drops a trailing 's ("London's" → "London") before stemming, as Elasticsearch's english analyzer does. */
@NamedComponent("kaifang_english_possessive")
public final class EnglishPossessiveFilterFactory implements TokenFilterFactory {

    @Override
    public TokenStream create(TokenStream input) {
        return new EnglishPossessiveFilter(input);
    }
}
