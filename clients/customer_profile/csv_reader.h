// Streaming RFC 4180 CSV reader for bulk import.
//
//   std::ifstream file(path, std::ios::binary);
//   CsvReader reader(file);
//   CRM_ASSIGN_OR_RETURN(CsvHeader header, reader.ReadHeader());
//   const std::optional<size_t> email = header.Find("Email");
//   while (true) {
//     absl::StatusOr<std::optional<CsvRecord>> next = reader.Next();
//     if (!next.ok()) {                 // this record is rejected
//       Reject(reader.record_line(), next.status());
//       continue;                       // reading resumes after it
//     }
//     if (!next->has_value()) break;    // end of input
//     const CsvRecord& record = **next;
//     Import(record.line, record.Get(header, "email"));
//   }
//
// Input: UTF-8 with or without a byte-order mark (UTF-16 is rejected);
// records end with CRLF, LF or a lone CR; fields are separated by
// `options.delimiter` and may be quoted with '"', in which case they may
// contain delimiters, line breaks (kept as they are) and quotes written as
// "". A quote inside an unquoted field is an ordinary character. Lines that
// are completely empty (outside quotes) are skipped, so a single-column file
// cannot hold an empty value. The input is read in 64 KiB chunks; memory use
// is bounded by the record size limit, not by the file size.
//
// Errors (INVALID_ARGUMENT, message "line <n>: <reason>", where <n> is the
// physical line on which the record starts):
//  - record errors (wrong field count, invalid UTF-8, a field or record over
//    its size limit, text after a closing quote): Next() returns the error
//    and is positioned after the record, so the caller may continue;
//  - fatal errors (unterminated quoted field at end of input, UTF-16 input,
//    a stream read failure, any error from ReadHeader()): returned once, then
//    Next() returns nullopt.
// Error messages name columns by header name or position, never field values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crm::customer_profile_client {

struct CsvOptions {
  char delimiter = ',';
  // Limits in bytes of field content (after unquoting) and of the whole
  // record, and a limit on the number of fields in a record.
  size_t max_field_bytes = 64 * 1024;
  size_t max_record_bytes = 1024 * 1024;
  size_t max_fields = 1024;
};

// Column names, trimmed and ASCII lower-cased, unique and non-empty.
class CsvHeader {
 public:
  CsvHeader() = default;
  explicit CsvHeader(std::vector<std::string> names);

  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }

  // Index of column `name`, compared trimmed and case-insensitively.
  std::optional<size_t> Find(absl::string_view name) const;

 private:
  std::vector<std::string> names_;
  absl::flat_hash_map<std::string, size_t> index_;
};

struct CsvRecord {
  // 1-based physical line on which the record starts.
  int64_t line = 0;
  std::vector<std::string> fields;

  // The field in column `name` of `header`; empty if there is no such column.
  absl::string_view Get(const CsvHeader& header, absl::string_view name) const;
};

class CsvReader {
 public:
  // `input` must outlive the reader; open files in binary mode.
  explicit CsvReader(std::istream& input, CsvOptions options = {});

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the first non-empty record as the header; from then on every
  // record must have exactly header.size() fields. Call at most once, before
  // Next(). Without a header, records may have any number of fields.
  absl::StatusOr<CsvHeader> ReadHeader();

  // The next record, nullopt at the end of input, or an error (see above).
  absl::StatusOr<std::optional<CsvRecord>> Next();

  // Start line of the record last returned or rejected.
  int64_t record_line() const { return record_line_; }

  // True once the end of input or a fatal error has been reached.
  bool done() const { return done_; }

 private:
  enum class Outcome { kRecord, kEnd, kRecordError, kFatal };

  bool Fill();
  bool Get(char* c);
  bool Peek(char* c);
  absl::Status CheckEncoding();
  void Append(char c);
  void EndField();
  Outcome ParseRecord();
  std::string ColumnLabel(size_t index) const;
  absl::Status LineError(absl::string_view reason) const;

  std::istream& input_;
  const CsvOptions options_;
  std::vector<char> buffer_;
  size_t buffer_pos_ = 0;
  size_t buffer_end_ = 0;
  bool input_exhausted_ = false;
  bool read_failed_ = false;
  bool started_ = false;
  bool done_ = false;
  bool header_read_ = false;
  CsvHeader header_;
  int64_t line_ = 1;  // current physical line
  int64_t record_line_ = 0;

  // State of the record being parsed.
  std::vector<std::string> fields_;
  std::string field_;
  size_t record_bytes_ = 0;
  std::string record_error_;  // first record-level problem, if any
  absl::Status fatal_;
};

}  // namespace crm::customer_profile_client
