package org.kaifang.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.AnalyzerFactory;

/** Lucene's smart Chinese analyzer: smartcn segmentation, lower case, punctuation removed, Porter stemming. */
@NamedComponent("kaifang_chinese")
public final class ChineseAnalyzerFactory implements AnalyzerFactory {

    @Override
    public Analyzer create() {
        return new SmartChineseAnalyzer();
    }
}
