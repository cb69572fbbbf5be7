package org.kaifang.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.AnalyzerFactory;

/** Lucene's CJK analyzer (width folding, lower case, CJK bigrams, English stop words) for clusters without analysis-common. */
@NamedComponent("kaifang_cjk")
public final class CjkAnalyzerFactory implements AnalyzerFactory {

    @Override
    public Analyzer create() {
        return new CJKAnalyzer();
    }
}
