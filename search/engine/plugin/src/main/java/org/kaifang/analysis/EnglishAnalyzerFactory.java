package org.kaifang.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.AnalyzerFactory;

/** Lucene's English analyzer (possessives, lower case, English stop words, Porter stemming) for clusters without analysis-common. */
@NamedComponent("kaifang_english")
public final class EnglishAnalyzerFactory implements AnalyzerFactory {

    @Override
    public Analyzer create() {
        return new EnglishAnalyzer();
    }
}
