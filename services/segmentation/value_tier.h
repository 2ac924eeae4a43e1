// Value tiers (高/中/低价值客户) as a pure function of configurable
// thresholds on one basis: the monetary value, the CLV or the RFM monetary
// score.
//
//   ValueTierPolicy policy;                        // M score: 4–5 high, 2–3
//   medium ValueTier tier = ClassifyValueTier(policy, {.monetary_score = 4});
#pragma once

#include <cstdint>
#include <optional>

namespace crm::segmentation {

enum class ValueTier { kUnspecified = 0, kLow = 1, kMedium = 2, kHigh = 3 };

struct ValueTierPolicy {
  enum class Basis {
    kMonetaryScore,  // the RFM monetary score, 1..5
    kMonetaryMinor,  // net total in the scoring currency, minor units
    kClvMinor,       // predicted CLV in the scoring currency, minor units
  };
  Basis basis = Basis::kMonetaryScore;
  // value >= high_at is HIGH; else value >= medium_at is MEDIUM; else LOW.
  int64_t high_at = 4;
  int64_t medium_at = 2;
};

struct ValueTierInputs {
  int monetary_score = 0;  // 0 = not scored.
  int64_t monetary_minor = 0;
  std::optional<int64_t> clv_minor;  // Unset until a CLV model was fitted.
};

// The tier of `inputs` under `policy`. UNSPECIFIED for a customer without
// orders (monetary score 0) and, with the CLV basis, without a CLV.
ValueTier ClassifyValueTier(const ValueTierPolicy& policy,
                            const ValueTierInputs& inputs);

// "HIGH", "MEDIUM", "LOW" or "VALUE_TIER_UNSPECIFIED" (the API enum's names).
const char* ValueTierName(ValueTier tier);

}  // namespace crm::segmentation
