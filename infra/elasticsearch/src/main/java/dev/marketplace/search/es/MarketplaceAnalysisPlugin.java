package dev.marketplace.search.es;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The token filters of Elasticsearch's analysis-common module that our index uses, on Lucene's own
 * classes. The module itself is not published to Maven Central, so a local node would otherwise lack
 * lowercase, asciifolding, stemming, synonyms and edge n-grams. Names and settings follow the
 * documented ones, so the same index definition works on a packaged Elasticsearch (docker-compose, ECK).
 */
public final class MarketplaceAnalysisPlugin extends Plugin implements AnalysisPlugin {

  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of(
        "lowercase", (idx, env, name, s) -> simple(name, LowerCaseFilter::new),
        "asciifolding", (idx, env, name, s) -> simple(name, ts -> new ASCIIFoldingFilter(ts, s.getAsBoolean("preserve_original", false))),
        "porter_stem", (idx, env, name, s) -> simple(name, PorterStemFilter::new),
        "kstem", (idx, env, name, s) -> simple(name, KStemFilter::new),
        "english_possessive", (idx, env, name, s) -> simple(name, EnglishPossessiveFilter::new),
        "edge_ngram", (idx, env, name, s) -> simple(name,
            ts -> new EdgeNGramTokenFilter(ts, s.getAsInt("min_gram", 1), s.getAsInt("max_gram", 2), s.getAsBoolean("preserve_original", false))),
        "synonym_graph", (idx, env, name, s) -> synonyms(name, s.getAsList("synonyms"), s.getAsBoolean("expand", true)));
  }

  private interface Wrap {
    TokenStream apply(TokenStream in);
  }

  private static TokenFilterFactory simple(String name, Wrap wrap) {
    return new AbstractTokenFilterFactory(name, org.elasticsearch.common.settings.Settings.EMPTY) {
      @Override
      public TokenStream create(TokenStream tokenStream) {
        return wrap.apply(tokenStream);
      }
    };
  }

  /** Solr-format rules ("a, b, c" or "a => b"); terms are lowercased and folded like our text fields. */
  private static TokenFilterFactory synonyms(String name, List<String> rules, boolean expand) throws IOException {
    Analyzer ruleAnalyzer = new Analyzer() {
      @Override
      protected TokenStreamComponents createComponents(String field) {
        Tokenizer tokenizer = new StandardTokenizer();
        return new TokenStreamComponents(tokenizer, new ASCIIFoldingFilter(new LowerCaseFilter(tokenizer)));
      }
    };
    SolrSynonymParser parser = new SolrSynonymParser(true, expand, ruleAnalyzer);
    try {
      parser.parse(new StringReader(String.join("\n", rules)));
    } catch (java.text.ParseException e) {
      throw new IllegalArgumentException("invalid synonym rules for [" + name + "]: " + e.getMessage(), e);
    }
    SynonymMap map = parser.build();
    return simple(name, ts -> map.fst == null ? ts : new SynonymGraphFilter(ts, map, true));
  }
}
