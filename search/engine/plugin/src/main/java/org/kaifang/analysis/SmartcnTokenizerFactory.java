package org.kaifang.analysis;

import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cn.smart.HMMChineseTokenizer;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenizerFactory;

/**
 * Chinese word segmentation (空气质量监测数据 → 空气 质量 监测 数据) with Lucene's hidden-Markov-model
 * smartcn tokenizer: words rank better than the bigrams of {@code kaifang_cjk_bigram}. Latin text is split on
 * punctuation and white space; punctuation itself comes out as tokens, so follow it with a stop filter
 * (or use the {@code kaifang_chinese} analyzer).
 */
@NamedComponent("kaifang_smartcn")
public final class SmartcnTokenizerFactory implements TokenizerFactory {

    @Override
    public Tokenizer create() {
        return new HMMChineseTokenizer();
    }
}
