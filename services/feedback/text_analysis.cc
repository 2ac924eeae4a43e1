#include "services/feedback/text_analysis.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/feedback/text_tokenizer.h"

namespace crm::feedback {
namespace {

using Evidence = v1::TextAnalysis::Evidence;

// A lexicon term found in the text, or a clause end.
struct Match {
  std::string term;
  bool clause_end = false;
  // Words skipped since the previous match (words no term covers).
  int gap = 0;
};

// The UTF-8 characters of `text`.
std::vector<std::string> Characters(const std::string& text) {
  std::vector<std::string> characters;
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    length = std::min(length, text.size() - i);
    characters.push_back(text.substr(i, length));
    i += length;
  }
  return characters;
}

// Step 2 of the method: the terms of `tokens`, in text order.
std::vector<Match> MatchTerms(const Lexicon& lexicon,
                              const std::vector<TextToken>& tokens) {
  std::vector<Match> matches;
  int gap = 0;
  for (size_t i = 0; i < tokens.size();) {
    if (tokens[i].clause_end) {
      matches.push_back(Match{.term = {}, .clause_end = true, .gap = 0});
      gap = 0;
      ++i;
      continue;
    }
    // The longest run of words starting here that is a term.
    size_t best_end = 0;
    std::string best;
    std::string joined;
    for (size_t j = i; j < tokens.size() && !tokens[j].clause_end &&
                       j - i < static_cast<size_t>(lexicon.longest_term_words);
         ++j) {
      if (j > i && !(tokens[j - 1].han && tokens[j].han)) joined += ' ';
      joined += tokens[j].text;
      if (lexicon.Knows(joined)) {
        best_end = j + 1;
        best = joined;
      }
    }
    if (best_end > 0) {
      matches.push_back(Match{.term = std::move(best), .gap = gap});
      gap = 0;
      i = best_end;
      continue;
    }
    if (tokens[i].han) {
      // Inside a Chinese word no term covers: longest terms by characters.
      const std::vector<std::string> chars = Characters(tokens[i].text);
      bool found = false;
      for (size_t c = 0; c < chars.size();) {
        size_t take = 0;
        std::string candidate;
        std::string longest;
        for (size_t k = c;
             k < chars.size() &&
             k - c < static_cast<size_t>(lexicon.longest_han_term_chars);
             ++k) {
          candidate += chars[k];
          if (lexicon.Knows(candidate)) {
            take = k + 1 - c;
            longest = candidate;
          }
        }
        if (take == 0) {
          ++c;
          continue;
        }
        matches.push_back(Match{.term = std::move(longest), .gap = gap});
        gap = 0;
        found = true;
        c += take;
      }
      if (!found) ++gap;
    } else {
      ++gap;
    }
    ++i;
  }
  return matches;
}

}  // namespace

v1::TextAnalysis AnalyzeText(const Lexicon& lexicon, absl::string_view text) {
  v1::TextAnalysis analysis;
  const std::vector<Match> matches = MatchTerms(lexicon, TokenizeText(text));

  double sum = 0;
  double emphasis = 1;  // kContrastFactor after a contrast word.
  // Modifiers waiting for a sentiment term, and the words since the first.
  bool negated = false;
  double degree = 1;
  std::vector<std::string> modifiers;
  int distance = 0;
  std::map<std::string, double> category_scores;
  auto reset = [&] {
    negated = false;
    degree = 1;
    modifiers.clear();
    distance = 0;
  };
  for (const Match& match : matches) {
    if (match.clause_end) {
      reset();
      continue;
    }
    if (!modifiers.empty()) {
      distance += match.gap;
      if (distance > kModifierReach) reset();
    }
    const std::string& term = match.term;
    if (lexicon.contrasts.contains(term)) {
      emphasis = kContrastFactor;
      reset();
      continue;
    }
    if (lexicon.negations.contains(term)) {
      negated = !negated;
      modifiers.push_back(term);
      ++distance;
      continue;
    }
    if (auto degree_it = lexicon.degrees.find(term);
        degree_it != lexicon.degrees.end()) {
      degree *= degree_it->second;
      modifiers.push_back(term);
      ++distance;
      continue;
    }
    if (auto category_it = lexicon.categories.find(term);
        category_it != lexicon.categories.end()) {
      for (const CategoryTerm& entry : category_it->second) {
        category_scores[entry.category] += entry.weight;
        Evidence* evidence = analysis.add_evidence();
        evidence->set_term(term);
        evidence->set_effect(Evidence::CATEGORY);
        evidence->set_weight(entry.weight);
        evidence->set_category(entry.category);
      }
    }
    if (auto sentiment_it = lexicon.sentiment.find(term);
        sentiment_it != lexicon.sentiment.end()) {
      double weight = sentiment_it->second * degree * emphasis;
      if (negated) weight *= kNegationFactor;
      sum += weight;
      Evidence* evidence = analysis.add_evidence();
      evidence->set_term(term);
      evidence->set_effect(Evidence::SENTIMENT);
      evidence->set_weight(weight);
      for (const std::string& modifier : modifiers) {
        evidence->add_modifiers(modifier);
      }
      if (emphasis != 1) evidence->add_modifiers("(after contrast)");
      reset();
    } else {
      reset();  // A category-only term uses the modifiers up ("不打折").
    }
  }

  const double score = sum / std::sqrt(sum * sum + 1);
  analysis.set_sentiment_score(score);
  analysis.set_sentiment(score < -kNeutralBand  ? v1::TextAnalysis::NEGATIVE
                         : score > kNeutralBand ? v1::TextAnalysis::POSITIVE
                                                : v1::TextAnalysis::NEUTRAL);

  std::string category = kOtherCategory;
  double best = 0;
  for (const std::string& candidate : lexicon.taxonomy) {
    auto it = category_scores.find(candidate);
    if (it != category_scores.end() && it->second > best) {
      best = it->second;
      category = candidate;
    }
  }
  analysis.set_category(category);

  // Key phrases: each term once, at its largest absolute weight.
  std::vector<std::pair<std::string, double>> phrases;
  for (const Evidence& evidence : analysis.evidence()) {
    auto it = std::find_if(phrases.begin(), phrases.end(), [&](const auto& p) {
      return p.first == evidence.term();
    });
    const double weight = std::abs(evidence.weight());
    if (it == phrases.end()) {
      phrases.emplace_back(evidence.term(), weight);
    } else {
      it->second = std::max(it->second, weight);
    }
  }
  std::stable_sort(
      phrases.begin(), phrases.end(),
      [](const auto& a, const auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < phrases.size() && i < kMaxKeyPhrases; ++i) {
    analysis.add_key_phrases(phrases[i].first);
  }
  return analysis;
}

}  // namespace crm::feedback
