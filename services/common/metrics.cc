#include "services/common/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace crm::common {

enum class MetricType { kCounter, kGauge, kHistogram };

struct Metrics::Series {
  double value = 0;                  // Counter or gauge.
  std::function<double()> callback;  // Gauge computed at Render().
  // Histogram: per-bucket (non-cumulative) counts; the last slot is +Inf.
  std::vector<uint64_t> bucket_counts;
  double sum = 0;
  uint64_t count = 0;
};

struct Metrics::Family {
  MetricType type;
  std::string help;
  std::vector<double> buckets;  // Histograms: sorted upper bounds.
  std::map<MetricLabels, Series> series;
};

namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names the same without ':'.
// Invalid characters become '_' so the output always parses.
std::string SanitizeName(absl::string_view name, bool allow_colon) {
  std::string out(name);
  if (out.empty()) return "_";
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const bool ok =
        (i == 0 ? IsNameStart(c) : IsNameChar(c)) || (allow_colon && c == ':');
    if (!ok) out[i] = '_';
  }
  return out;
}

// Prometheus text escaping: backslash and newline always; double quotes
// only inside label values (HELP text keeps them as they are).
std::string Escape(absl::string_view text, bool escape_quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view help) {
  return Escape(help, /*escape_quotes=*/false);
}

std::string EscapeLabelValue(absl::string_view value) {
  return Escape(value, /*escape_quotes=*/true);
}

// Shortest text that reads back as the same double; integers print without
// a fraction; infinities and NaN as Prometheus spells them.
std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

bool IsCleanName(absl::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!(i == 0 ? IsNameStart(c) : IsNameChar(c)) &&
        !(allow_colon && c == ':')) {
      return false;
    }
  }
  return true;
}

// `labels` with sanitized names: `labels` itself when every name is
// already valid (the usual case: no copy), else a copy in `*storage`.
const MetricLabels& SanitizeLabels(const MetricLabels& labels,
                                   MetricLabels* storage) {
  if (std::all_of(labels.begin(), labels.end(), [](const auto& entry) {
        return IsCleanName(entry.first, /*allow_colon=*/false);
      })) {
    return labels;
  }
  for (const auto& [name, value] : labels) {
    (*storage)[SanitizeName(name, /*allow_colon=*/false)] = value;
  }
  return *storage;
}

// `{a="x",b="y"}` with an optional extra label appended (the histogram's
// `le`); empty when there are no labels at all.
std::string FormatLabels(const MetricLabels& labels,
                         absl::string_view extra_name = {},
                         absl::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ",";
    first = false;
    absl::StrAppend(&out, name, "=\"", EscapeLabelValue(value), "\"");
  }
  if (!extra_name.empty()) {
    if (!first) out += ",";
    absl::StrAppend(&out, extra_name, "=\"", EscapeLabelValue(extra_value),
                    "\"");
  }
  out += "}";
  return out;
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

const std::vector<double>& Metrics::DefaultLatencyBuckets() {
  static const std::vector<double>* const buckets = new std::vector<double>{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

namespace {

// The family called `name`, added with `type` and `help` if new (a name
// keeps the type and help of its first use); `*created` tells which. A
// template so that it can name Metrics' private Family by deduction.
template <typename FamilyT>
FamilyT& FindOrAddFamily(
    std::map<std::string, std::shared_ptr<FamilyT>, std::less<>>& families,
    absl::string_view name, absl::string_view help, MetricType type,
    bool* created) {
  auto it = families.find(name);
  *created = it == families.end();
  if (*created) {
    auto family = std::make_shared<FamilyT>();
    family->type = type;
    family->help = std::string(help);
    it = families.emplace(std::string(name), std::move(family)).first;
  }
  return *it->second;
}

// `name` when it is a valid metric name, else its sanitized copy in
// `*storage`.
absl::string_view FamilyName(absl::string_view name, std::string* storage) {
  if (IsCleanName(name, /*allow_colon=*/true)) return name;
  *storage = SanitizeName(name, /*allow_colon=*/true);
  return *storage;
}

// A series' family name and labels as stored: the caller's own when they
// are valid (the usual case: no copy), else sanitized copies held here.
class SeriesKey {
 public:
  SeriesKey(absl::string_view name, const MetricLabels& labels)
      : family_(FamilyName(name, &name_storage_)),
        labels_(SanitizeLabels(labels, &labels_storage_)) {}
  SeriesKey(const SeriesKey&) = delete;
  SeriesKey& operator=(const SeriesKey&) = delete;

  absl::string_view family() const { return family_; }
  const MetricLabels& labels() const { return labels_; }

 private:
  std::string name_storage_;
  MetricLabels labels_storage_;
  absl::string_view family_;
  const MetricLabels& labels_;
};

}  // namespace

Metrics& Metrics::Default() {
  static Metrics* const metrics = new Metrics();
  return *metrics;
}

void Metrics::IncrementCounter(absl::string_view name, absl::string_view help,
                               const MetricLabels& labels, double by) {
  const SeriesKey key(name, labels);
  absl::MutexLock lock(&mu_);
  bool created = false;
  Family& family = FindOrAddFamily(families_, key.family(), help,
                                   MetricType::kCounter, &created);
  if (family.type == MetricType::kHistogram) return;
  family.series[key.labels()].value += by;
}

void Metrics::SetGauge(absl::string_view name, absl::string_view help,
                       double value, const MetricLabels& labels) {
  const SeriesKey key(name, labels);
  absl::MutexLock lock(&mu_);
  bool created = false;
  Family& family = FindOrAddFamily(families_, key.family(), help,
                                   MetricType::kGauge, &created);
  if (family.type == MetricType::kHistogram) return;
  Series& series = family.series[key.labels()];
  series.callback = nullptr;
  series.value = value;
}

void Metrics::SetGaugeCallback(absl::string_view name, absl::string_view help,
                               std::function<double()> callback,
                               const MetricLabels& labels) {
  const SeriesKey key(name, labels);
  absl::MutexLock lock(&mu_);
  bool created = false;
  Family& family = FindOrAddFamily(families_, key.family(), help,
                                   MetricType::kGauge, &created);
  if (family.type == MetricType::kHistogram) return;
  family.series[key.labels()].callback = std::move(callback);
}

void Metrics::ObserveHistogram(absl::string_view name, absl::string_view help,
                               const MetricLabels& labels, double value,
                               const std::vector<double>& buckets) {
  const SeriesKey key(name, labels);
  absl::MutexLock lock(&mu_);
  bool created = false;
  Family& family = FindOrAddFamily(families_, key.family(), help,
                                   MetricType::kHistogram, &created);
  if (created) {
    family.buckets = buckets;
    std::sort(family.buckets.begin(), family.buckets.end());
    family.buckets.erase(
        std::unique(family.buckets.begin(), family.buckets.end()),
        family.buckets.end());
    // +Inf is implicit; an explicit one would duplicate it.
    while (!family.buckets.empty() && std::isinf(family.buckets.back())) {
      family.buckets.pop_back();
    }
  }
  if (family.type != MetricType::kHistogram) return;
  Series& series = family.series[key.labels()];
  if (series.bucket_counts.empty()) {
    series.bucket_counts.assign(family.buckets.size() + 1, 0);
  }
  // The first bucket whose upper bound is >= value (le is inclusive).
  const size_t index =
      std::lower_bound(family.buckets.begin(), family.buckets.end(), value) -
      family.buckets.begin();
  ++series.bucket_counts[index];
  series.sum += value;
  ++series.count;
}

std::string Metrics::Render() const {
  // Snapshot under the lock; gauge callbacks run outside it so that they may
  // take their own locks without any ordering constraint against this one.
  struct SeriesSnapshot {
    MetricLabels labels;
    Series data;
  };
  struct FamilySnapshot {
    std::string name;
    MetricType type;
    std::string help;
    std::vector<double> buckets;
    std::vector<SeriesSnapshot> series;
  };
  std::vector<FamilySnapshot> families;
  {
    absl::MutexLock lock(&mu_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_) {
      FamilySnapshot snapshot{
          name, family->type, family->help, family->buckets, {}};
      snapshot.series.reserve(family->series.size());
      for (const auto& [labels, series] : family->series) {
        snapshot.series.push_back({labels, series});
      }
      families.push_back(std::move(snapshot));
    }
  }

  std::string out;
  for (FamilySnapshot& family : families) {
    if (family.series.empty()) continue;
    absl::StrAppend(&out, "# HELP ", family.name, " ", EscapeHelp(family.help),
                    "\n# TYPE ", family.name, " ", TypeName(family.type), "\n");
    for (SeriesSnapshot& series : family.series) {
      if (family.type != MetricType::kHistogram) {
        const double value =
            series.data.callback ? series.data.callback() : series.data.value;
        absl::StrAppend(&out, family.name, FormatLabels(series.labels), " ",
                        FormatValue(value), "\n");
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < series.data.bucket_counts.size(); ++i) {
        cumulative += series.data.bucket_counts[i];
        const std::string le = i < family.buckets.size()
                                   ? FormatValue(family.buckets[i])
                                   : std::string("+Inf");
        absl::StrAppend(&out, family.name, "_bucket",
                        FormatLabels(series.labels, "le", le), " ", cumulative,
                        "\n");
      }
      absl::StrAppend(&out, family.name, "_sum", FormatLabels(series.labels),
                      " ", FormatValue(series.data.sum), "\n", family.name,
                      "_count", FormatLabels(series.labels), " ",
                      series.data.count, "\n");
    }
  }
  return out;
}

}  // namespace crm::common
