// crm-feedback-bench: the load generators of the feedback benchmark
// (bench/feedback.sh, BENCH_PHASES=feedback of bench/run.sh).
//
// Every mode reads its texts from --texts_file, a TSV whose lines are
// "language TAB sentiment TAB category TAB text" ('#' lines skipped; the
// labelled set tests/unit/feedback/data/labelled_feedback.tsv: Chinese,
// English and mixed texts). Item n of a run is text n mod the file's size,
// customer customers/bench-c{n mod 1000}, one of four channels, and a type
// and rating that fit the text's sentiment, so every mode writes the same
// mix of rows.
//
//   crm-feedback-bench warm-up --addr=HOST:PORT --texts_file=F
//     Submits every text once (not measured), so that the feedback table
//     holds the service's analysis of each text for raw-feedback.
//   crm-feedback-bench raw-feedback --port=P --user=U --password_env=VAR
//                                   --database=D --texts_file=F
//                                   [--threads=8] [--duration=10s]
//                                   [--max_rows=200000]
//     The reference: single-row INSERT transactions (autocommit) of the same
//     rows into the service's own `feedback` table, every column the
//     service writes, the language and analysis columns copied from the
//     service's warm-up row of the same text (no analysis done here).
//   crm-feedback-bench submit-feedback --addr=HOST:PORT --texts_file=F
//                                      [--threads=8] [--duration=10s]
//                                      [--max_rows=200000]
//     SubmitFeedback calls (each with a new request_id) at the same
//     concurrency; the line adds p50 per language of the text (zh, en,
//     mixed) and how many replies came back NEGATIVE.
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_support.h"
#include "crm/feedback/v1/feedback_service.grpc.pb.h"

namespace {

namespace v1 = ::crm::feedback::v1;
using ::crm::bench::BenchFlags;
using ::crm::bench::Die;
using ::crm::bench::FlagOr;
using ::crm::bench::LoadResult;

constexpr int kCustomers = 1000;
constexpr int kMaxThreads = 1024;
constexpr const char* kChannels[] = {"web", "app", "store", "wechat"};

// One line of the texts file.
struct LabelledText {
  std::string language;   // zh, en or mixed.
  std::string sentiment;  // negative, neutral or positive.
  std::string text;
};

std::vector<LabelledText> ReadTexts(const BenchFlags& flags) {
  const std::string path = FlagOr(flags, "texts_file", "");
  std::ifstream in(path);
  if (path.empty() || !in) Die(flags, "--texts_file must name a readable file");
  std::vector<LabelledText> texts;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() != 4) continue;
    texts.push_back({fields[0], fields[1], fields[3]});
  }
  if (texts.empty()) Die(flags, absl::StrCat(path, " holds no texts"));
  return texts;
}

// Item `n` of a run: what every mode writes for it.
struct Item {
  const LabelledText* text;
  std::string customer_id;
  std::string channel;
  v1::Feedback::Type type;
  int rating;
};

Item ItemOf(const std::vector<LabelledText>& texts, int64_t n) {
  const LabelledText& text = texts[n % texts.size()];
  Item item{&text, absl::StrCat("bench-c", n % kCustomers), kChannels[n % 4],
            v1::Feedback::QUESTION, 3};
  if (text.sentiment == "negative") {
    item.type = v1::Feedback::COMPLAINT;
    item.rating = 1 + static_cast<int>(n % 2);
  } else if (text.sentiment == "positive") {
    item.type = v1::Feedback::PRAISE;
    item.rating = 5;
  } else if (n % 2 == 0) {
    item.type = v1::Feedback::SUGGESTION;
  }
  return item;
}

std::unique_ptr<v1::FeedbackService::Stub> NewStub(const BenchFlags& flags) {
  return v1::FeedbackService::NewStub(
      grpc::CreateChannel(FlagOr(flags, "addr", "127.0.0.1:50054"),
                          grpc::InsecureChannelCredentials()));
}

grpc::Status Submit(v1::FeedbackService::Stub& stub, const Item& item,
                    const std::string& request_id, v1::Feedback* reply) {
  v1::SubmitFeedbackRequest request;
  v1::Feedback* feedback = request.mutable_feedback();
  feedback->set_customer(absl::StrCat("customers/", item.customer_id));
  feedback->set_channel(item.channel);
  feedback->set_type(item.type);
  feedback->set_rating(item.rating);
  feedback->set_text(item.text->text);
  request.set_request_id(request_id);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return stub.SubmitFeedback(&context, request, reply);
}

std::string RunId() { return absl::StrCat(absl::ToUnixMicros(absl::Now())); }

int WarmUp(const BenchFlags& flags) {
  const std::vector<LabelledText> texts = ReadTexts(flags);
  auto stub = NewStub(flags);
  const std::string run = RunId();
  for (size_t n = 0; n < texts.size(); ++n) {
    v1::Feedback reply;
    grpc::Status status =
        Submit(*stub, ItemOf(texts, n),
               absl::StrCat("bench-warm-", run, "-", n), &reply);
    if (!status.ok()) {
      Die(flags, absl::StrCat("SubmitFeedback: code ", status.error_code(),
                              ": ", status.error_message()));
    }
  }
  std::printf("mode=warm-up texts=%zu\n", texts.size());
  return 0;
}

// The service's stored analysis of one text (the columns it writes).
struct StoredAnalysis {
  std::string language;
  std::string sentiment;
  double sentiment_score = 0;
  std::string category;
  std::string analysis;  // Serialized crm.feedback.v1.TextAnalysis.
};

int RawFeedback(const BenchFlags& flags) {
  const std::vector<LabelledText> texts = ReadTexts(flags);
  std::vector<StoredAnalysis> stored(texts.size());
  try {
    std::unique_ptr<sql::Connection> connection = crm::bench::ConnectRaw(flags);
    std::unique_ptr<sql::PreparedStatement> select(connection->prepareStatement(
        "SELECT language, sentiment, sentiment_score, category, analysis "
        "FROM feedback WHERE text = ? AND analysis IS NOT NULL LIMIT 1"));
    for (size_t i = 0; i < texts.size(); ++i) {
      select->setString(1, texts[i].text);
      std::unique_ptr<sql::ResultSet> row(select->executeQuery());
      if (!row->next()) {
        Die(flags, absl::StrCat("no analysed row of text ", i,
                                " (run warm-up first)"));
      }
      stored[i] = {row->getString(1), row->getString(2),
                   static_cast<double>(row->getDouble(3)), row->getString(4),
                   row->getString(5)};
    }
  } catch (const sql::SQLException& e) {
    Die(flags, absl::StrCat("raw-feedback setup: MySQL error ",
                            e.getErrorCode(), ": ", e.what()));
  }
  sql::Driver* driver = get_driver_instance();
  std::vector<std::unique_ptr<sql::Connection>> connections(kMaxThreads);
  std::vector<std::unique_ptr<sql::PreparedStatement>> inserts(kMaxThreads);
  const std::string run = RunId();
  LoadResult result =
      crm::bench::RunLoad(flags, 8, [&](int t, int64_t n, std::mt19937_64&) {
        if (t >= kMaxThreads) return false;
        try {
          if (inserts[t] == nullptr) {
            driver->threadInit();
            connections[t] = crm::bench::ConnectRaw(flags);
            inserts[t].reset(connections[t]->prepareStatement(
                "INSERT INTO feedback (customer_id, id, channel, type, rating, "
                "text, order_id, attachment_uris, language, sentiment, "
                "sentiment_score, category, analysis, create_time) "
                "VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, NOW(6))"));
          }
          const Item item = ItemOf(texts, n);
          const StoredAnalysis& analysis = stored[n % texts.size()];
          sql::PreparedStatement& insert = *inserts[t];
          insert.setString(1, item.customer_id);
          insert.setString(2, absl::StrCat("bench-raw-", run, "-", n));
          insert.setString(3, item.channel);
          insert.setString(4, v1::Feedback::Type_Name(item.type));
          insert.setInt(5, item.rating);
          insert.setString(6, item.text->text);
          insert.setString(7, analysis.language);
          insert.setString(8, analysis.sentiment);
          insert.setDouble(9, analysis.sentiment_score);
          insert.setString(10, analysis.category);
          insert.setString(11, analysis.analysis);  // As the service does.
          insert.executeUpdate();
          return true;
        } catch (const sql::SQLException& e) {
          std::fprintf(stderr,
                       "crm-feedback-bench: raw-feedback: MySQL error %d\n",
                       e.getErrorCode());
          return false;
        }
      });
  crm::bench::PrintReportLine("raw-feedback", result);
  return 0;
}

int SubmitFeedback(const BenchFlags& flags) {
  const std::vector<LabelledText> texts = ReadTexts(flags);
  auto stub = NewStub(flags);
  const std::string run = RunId();
  // Latencies by the text's language label, per thread (merged at the end).
  const std::vector<std::string> languages = {"zh", "en", "mixed"};
  std::vector<std::vector<std::vector<double>>> by_language(
      kMaxThreads, std::vector<std::vector<double>>(languages.size()));
  std::atomic<int64_t> negative{0};
  std::atomic<int> reported{0};
  LoadResult result =
      crm::bench::RunLoad(flags, 8, [&](int t, int64_t n, std::mt19937_64&) {
        if (t >= kMaxThreads) return false;
        const Item item = ItemOf(texts, n);
        const absl::Time begin = absl::Now();
        v1::Feedback reply;
        grpc::Status status =
            Submit(*stub, item, absl::StrCat("bench-", run, "-", n), &reply);
        if (!status.ok()) {
          if (reported.fetch_add(1) < 3) {
            std::fprintf(stderr,
                         "crm-feedback-bench: SubmitFeedback: code %d: %s\n",
                         status.error_code(), status.error_message().c_str());
          }
          return false;
        }
        if (reply.analysis().sentiment() == v1::TextAnalysis::NEGATIVE) {
          ++negative;
        }
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - begin);
        for (size_t l = 0; l < languages.size(); ++l) {
          if (item.text->language == languages[l]) {
            by_language[t][l].push_back(ms);
          }
        }
        return true;
      });
  std::string extra = absl::StrCat("negative=", negative.load());
  for (size_t l = 0; l < languages.size(); ++l) {
    std::vector<double> all;
    for (const auto& per_thread : by_language) {
      all.insert(all.end(), per_thread[l].begin(), per_thread[l].end());
    }
    std::sort(all.begin(), all.end());
    absl::StrAppend(
        &extra, " ", languages[l], "_calls=", all.size(), " ", languages[l],
        "_p50_ms=", absl::StrFormat("%.2f", crm::bench::Quantile(all, 0.5)));
  }
  crm::bench::PrintReportLine("submit-feedback", result, extra);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const BenchFlags flags =
      crm::bench::ParseBenchFlags("crm-feedback-bench", argc, argv);
  if (flags.mode == "warm-up") return WarmUp(flags);
  if (flags.mode == "raw-feedback") return RawFeedback(flags);
  if (flags.mode == "submit-feedback") return SubmitFeedback(flags);
  Die(flags, absl::StrCat("unknown mode ", flags.mode,
                          " (warm-up, raw-feedback, submit-feedback)"));
}
