package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;
import org.elasticsearch.plugin.settings.IntSetting;

/**
 * Prefixes of each token (air → a ai air) for an index-time-only suggest-as-you-type field: the search side
 * then needs a plain term match, not a prefix query. Defaults: {@code min_gram} 1, {@code max_gram} 20.
 */
@NamedComponent("kaifang_edge_ngram")
public final class EdgeNGramFilterFactory implements TokenFilterFactory {

    /** Settings of a configured {@code kaifang_edge_ngram} filter. */
    @AnalysisSettings
    public interface Settings {
        @IntSetting(path = "min_gram", defaultValue = 1)
        int minGram();

        @IntSetting(path = "max_gram", defaultValue = 20)
        int maxGram();

        @BooleanSetting(path = "preserve_original", defaultValue = false)
        boolean preserveOriginal();
    }

    private final Settings settings;

    @Inject
    public EdgeNGramFilterFactory(Settings settings) {
        if (settings.minGram() < 1 || settings.maxGram() < settings.minGram()) {
            throw new IllegalArgumentException("kaifang_edge_ngram needs 1 <= min_gram <= max_gram");
        }
        this.settings = settings;
    }

    @Override
    public TokenStream create(TokenStream input) {
        return new EdgeNGramTokenFilter(input, settings.minGram(), settings.maxGram(), settings.preserveOriginal());
    }
}
