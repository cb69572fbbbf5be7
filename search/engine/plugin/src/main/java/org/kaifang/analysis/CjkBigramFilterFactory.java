package org.kaifang.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.BooleanSetting;

/**
 * Overlapping bigrams of Han, Hiragana, Katakana and Hangul runs: 上海市 → 上海 海市. Dictionary-free, so
 * it never misses a place or agency name that a segmenter does not know. With {@code output_unigrams: true}
 * single characters are kept too, so one-character queries still match.
 */
@NamedComponent("kaifang_cjk_bigram")
public final class CjkBigramFilterFactory implements TokenFilterFactory {

    /** Settings of a configured {@code kaifang_cjk_bigram} filter. */
    @AnalysisSettings
    public interface Settings {
        @BooleanSetting(path = "output_unigrams", defaultValue = false)
        boolean outputUnigrams();
    }

    private final boolean outputUnigrams;

    @Inject
    public CjkBigramFilterFactory(Settings settings) {
        this.outputUnigrams = settings.outputUnigrams();
    }

    @Override
    public TokenStream create(TokenStream input) {
        int scripts = CJKBigramFilter.HAN | CJKBigramFilter.HIRAGANA | CJKBigramFilter.KATAKANA | CJKBigramFilter.HANGUL;
        return new CJKBigramFilter(input, scripts, outputUnigrams);
    }
}
