// Deterministic demo data for crm-suite: customers with Chinese and English
// names across channels, deliberate duplicates, two years of seasonal orders
// with a long-tailed spend distribution, refunds and interaction events.
//
//   DemoOptions options{.seed = 42, .customers = 3000};
//   DemoPlan plan = GenerateDemoPlan(options);
//   uint64_t fingerprint = PlanFingerprint(plan);  // same seed -> same value
//
// Determinism: the only randomness is std::mt19937_64 (whose output sequence
// the C++ standard fixes) fed through the distributions in this file (the
// std:: distributions are implementation-defined and are not used). The same
// options give byte-identical requests on every run and machine (the
// log-normal draws use std::log/std::exp/std::cos, which glibc computes
// identically on every x86-64 build we use).
//
// Idempotency: every write carries an id derived from the seed and the
// item's position (request ids "demo-<seed>-c-<i>", channel order ids
// "demo-<seed>-o-<i>-<k>", refund ids, event ids), and every customer carries
// an external identity, so loading the same plan twice changes nothing.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "crm/customerprofile/v1/customer_profile_service.pb.h"

namespace crm::tools {

namespace v1 = ::crm::customerprofile::v1;

struct DemoOptions {
  uint64_t seed = 42;
  // Distinct people; the plan also writes ~4% extra rows that resolve onto
  // existing customers and ~2% look-alikes (same name and birth date).
  int customers = 3000;
  // Orders span the two years before this day (UTC). Fixed by default so
  // that the data does not depend on when it is generated.
  absl::CivilDay end_day = absl::CivilDay(2026, 11, 1);
};

// A customer write. `target` is the index (in DemoPlan::customers) of the
// customer it should resolve to, or -1 for a new person.
struct DemoCustomerWrite {
  v1::CreateCustomerRequest request;
  int target = -1;
};

// An order of the customer at `customer` (an index into DemoPlan::customers);
// `order.customer` is filled in by the loader.
struct DemoOrder {
  int customer = 0;
  v1::Order order;
};

// A refund of the order at `order` (an index into DemoPlan::orders);
// `request.name` is filled in by the loader.
struct DemoRefund {
  int order = 0;
  v1::RefundOrderRequest request;
};

struct DemoEvent {
  int customer = 0;
  v1::InteractionEvent event;
};

struct DemoPlan {
  // New people, then look-alikes (same display name and birth date as an
  // earlier customer, different contact data: FindDuplicateCandidates).
  std::vector<DemoCustomerWrite> customers;
  // Writes for existing people from another channel with the same email or
  // phone (identity resolution updates them; no new customer).
  std::vector<DemoCustomerWrite> resolution_writes;
  std::vector<DemoOrder> orders;
  std::vector<DemoRefund> refunds;
  std::vector<DemoEvent> events;
};

DemoPlan GenerateDemoPlan(const DemoOptions& options);

// FNV-1a over the deterministic serialisation of every request, in order.
uint64_t PlanFingerprint(const DemoPlan& plan);

// ---- the deterministic random source (exposed for tests)

class DemoRandom {
 public:
  explicit DemoRandom(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, 1).
  double Uniform();
  // Uniform integer in [0, n), n > 0 (unbiased, by rejection).
  uint64_t Below(uint64_t n);
  // True with probability p.
  bool Chance(double p);
  // Standard normal (Box-Muller).
  double Normal();
  // exp(mu + sigma * Normal()).
  double LogNormal(double mu, double sigma);

 private:
  std::mt19937_64 engine_;
};

}  // namespace crm::tools
