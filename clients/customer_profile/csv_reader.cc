#include "clients/customer_profile/csv_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/text_validation.h"

namespace crm::customer_profile_client {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;

std::string NormalizeColumnName(absl::string_view name) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
}

}  // namespace

// ---------------------------------------------------------------- header

CsvHeader::CsvHeader(std::vector<std::string> names)
    : names_(std::move(names)) {
  for (size_t i = 0; i < names_.size(); ++i) {
    names_[i] = NormalizeColumnName(names_[i]);
    index_.emplace(names_[i], i);
  }
}

std::optional<size_t> CsvHeader::Find(absl::string_view name) const {
  auto it = index_.find(NormalizeColumnName(name));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

absl::string_view CsvRecord::Get(const CsvHeader& header,
                                 absl::string_view name) const {
  const std::optional<size_t> index = header.Find(name);
  if (!index.has_value() || *index >= fields.size()) return {};
  return fields[*index];
}

// ---------------------------------------------------------------- reader

CsvReader::CsvReader(std::istream& input, CsvOptions options)
    : input_(input), options_(options), buffer_(kChunkBytes) {}

bool CsvReader::Fill() {
  if (buffer_pos_ < buffer_end_) return true;
  if (input_exhausted_) return false;
  input_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_pos_ = 0;
  buffer_end_ = static_cast<size_t>(input_.gcount());
  if (input_.bad()) {
    read_failed_ = true;
    input_exhausted_ = true;
    buffer_end_ = 0;
    return false;
  }
  if (!input_) input_exhausted_ = true;
  return buffer_end_ > 0;
}

bool CsvReader::Get(char* c) {
  if (!Fill()) return false;
  *c = buffer_[buffer_pos_++];
  return true;
}

bool CsvReader::Peek(char* c) {
  if (!Fill()) return false;
  *c = buffer_[buffer_pos_];
  return true;
}

absl::Status CsvReader::CheckEncoding() {
  // Make sure the first three bytes (if the input has them) are buffered.
  Fill();
  while (buffer_end_ - buffer_pos_ < 3 && !input_exhausted_) {
    // Move the remainder to the front and read more behind it.
    const size_t kept = buffer_end_ - buffer_pos_;
    std::copy(buffer_.begin() + buffer_pos_, buffer_.begin() + buffer_end_,
              buffer_.begin());
    input_.read(buffer_.data() + kept,
                static_cast<std::streamsize>(buffer_.size() - kept));
    buffer_pos_ = 0;
    buffer_end_ = kept + static_cast<size_t>(input_.gcount());
    if (input_.bad()) read_failed_ = true;
    if (!input_) input_exhausted_ = true;
  }
  if (read_failed_) return absl::DataLossError("line 1: cannot read the input");
  const absl::string_view start(buffer_.data() + buffer_pos_,
                                buffer_end_ - buffer_pos_);
  if (start.substr(0, 3) == "\xEF\xBB\xBF") {
    buffer_pos_ += 3;
  } else if (start.substr(0, 2) == "\xFF\xFE" ||
             start.substr(0, 2) == "\xFE\xFF") {
    return absl::InvalidArgumentError(
        "line 1: the file is UTF-16; save it as UTF-8");
  }
  return absl::OkStatus();
}

std::string CsvReader::ColumnLabel(size_t index) const {
  if (header_read_ && index < header_.size()) {
    return absl::StrCat("column '", header_.names()[index], "'");
  }
  return absl::StrCat("column ", index + 1);
}

absl::Status CsvReader::LineError(absl::string_view reason) const {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", record_line_, ": ", reason));
}

void CsvReader::Append(char c) {
  if (!record_error_.empty()) return;  // discarding the rest of the record
  if (field_.size() >= options_.max_field_bytes) {
    record_error_ =
        absl::StrCat(ColumnLabel(fields_.size()), " is longer than ",
                     options_.max_field_bytes, " bytes");
    return;
  }
  if (record_bytes_ >= options_.max_record_bytes) {
    record_error_ = absl::StrCat("record is longer than ",
                                 options_.max_record_bytes, " bytes");
    return;
  }
  field_.push_back(c);
  ++record_bytes_;
}

void CsvReader::EndField() {
  if (record_error_.empty() && fields_.size() >= options_.max_fields) {
    record_error_ =
        absl::StrCat("record has more than ", options_.max_fields, " fields");
  }
  if (record_error_.empty()) {
    fields_.push_back(std::move(field_));
  }
  field_.clear();
}

CsvReader::Outcome CsvReader::ParseRecord() {
  fields_.clear();
  field_.clear();
  record_bytes_ = 0;
  record_error_.clear();

  // Skip empty lines.
  char c = 0;
  while (true) {
    if (!Peek(&c)) {
      if (read_failed_) {
        record_line_ = line_;
        fatal_ = absl::DataLossError(
            absl::StrCat("line ", line_, ": cannot read the input"));
        return Outcome::kFatal;
      }
      return Outcome::kEnd;
    }
    if (c == '\n') {
      ++buffer_pos_;
      ++line_;
    } else if (c == '\r') {
      ++buffer_pos_;
      if (Peek(&c) && c == '\n') ++buffer_pos_;
      ++line_;
    } else {
      break;
    }
  }
  record_line_ = line_;

  const char delimiter = options_.delimiter;
  // Consumes the line break that starts with `first` ('\n' or '\r').
  auto end_of_line = [&](char first) {
    if (first == '\r' && Peek(&c) && c == '\n') ++buffer_pos_;
    ++line_;
  };

  while (true) {
    // At the start of a field.
    if (!Get(&c)) {
      EndField();
      break;
    }
    if (c != '"') {
      // Unquoted field.
      bool end_record = false;
      bool at_eof = false;
      while (true) {
        if (c == delimiter) break;
        if (c == '\n' || c == '\r') {
          end_of_line(c);
          end_record = true;
          break;
        }
        Append(c);
        if (!Get(&c)) {
          at_eof = true;
          break;
        }
      }
      EndField();
      if (end_record || at_eof) break;
      // A delimiter as the last character of input ends with an empty field.
      if (!Peek(&c)) {
        EndField();
        break;
      }
      continue;
    }

    // Quoted field.
    const int64_t quote_line = line_;
    while (true) {
      if (!Get(&c)) {
        fatal_ = absl::InvalidArgumentError(
            absl::StrCat("line ", record_line_,
                         ": unterminated quoted field (the quote "
                         "opened on line ",
                         quote_line, " is never closed)"));
        if (read_failed_) {
          fatal_ = absl::DataLossError(
              absl::StrCat("line ", line_, ": cannot read the input"));
        }
        return Outcome::kFatal;
      }
      if (c == '"') {
        if (Peek(&c) && c == '"') {
          ++buffer_pos_;
          Append('"');
          continue;
        }
        break;  // closing quote
      }
      if (c == '\n') {
        ++line_;
      } else if (c == '\r') {
        if (!(Peek(&c) && c == '\n')) ++line_;
        c = '\r';
      }
      Append(c);
    }
    // After the closing quote: a delimiter, a line break or the end.
    if (!Get(&c)) {
      EndField();
      break;
    }
    if (c == delimiter) {
      EndField();
      if (!Peek(&c)) {
        EndField();
        break;
      }
      continue;
    }
    if (c == '\n' || c == '\r') {
      end_of_line(c);
      EndField();
      break;
    }
    // Text after the closing quote: reject the record, skip to its end.
    if (record_error_.empty()) {
      record_error_ = absl::StrCat(ColumnLabel(fields_.size()),
                                   " has text after its closing quote");
    }
    while (Get(&c)) {
      if (c == '\n' || c == '\r') {
        end_of_line(c);
        break;
      }
    }
    break;
  }
  if (read_failed_) {
    fatal_ = absl::DataLossError(
        absl::StrCat("line ", line_, ": cannot read the input"));
    return Outcome::kFatal;
  }
  return record_error_.empty() ? Outcome::kRecord : Outcome::kRecordError;
}

absl::StatusOr<CsvHeader> CsvReader::ReadHeader() {
  if (header_read_ || started_) {
    return absl::FailedPreconditionError(
        "ReadHeader() must be called once, before Next()");
  }
  started_ = true;
  auto fail = [&](absl::Status status) {
    done_ = true;
    return status;
  };
  if (absl::Status s = CheckEncoding(); !s.ok()) return fail(s);
  switch (ParseRecord()) {
    case Outcome::kEnd:
      record_line_ = line_;
      return fail(LineError("the input is empty; expected a header row"));
    case Outcome::kFatal:
      return fail(fatal_);
    case Outcome::kRecordError:
      return fail(LineError(absl::StrCat("header: ", record_error_)));
    case Outcome::kRecord:
      break;
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!common::IsValidUtf8(fields_[i])) {
      return fail(LineError(
          absl::StrCat("header: column ", i + 1, " is not valid UTF-8")));
    }
    if (NormalizeColumnName(fields_[i]).empty()) {
      return fail(
          LineError(absl::StrCat("header: column ", i + 1, " has no name")));
    }
  }
  CsvHeader header(std::move(fields_));
  for (size_t i = 0; i < header.size(); ++i) {
    if (header.Find(header.names()[i]) != i) {
      return fail(LineError(
          absl::StrCat("header: duplicate column '", header.names()[i], "'")));
    }
  }
  header_ = header;
  header_read_ = true;
  return header;
}

absl::StatusOr<std::optional<CsvRecord>> CsvReader::Next() {
  if (done_) return std::nullopt;
  if (!started_) {
    started_ = true;
    if (absl::Status s = CheckEncoding(); !s.ok()) {
      done_ = true;
      return s;
    }
  }
  switch (ParseRecord()) {
    case Outcome::kEnd:
      done_ = true;
      return std::nullopt;
    case Outcome::kFatal:
      done_ = true;
      return fatal_;
    case Outcome::kRecordError:
      return LineError(record_error_);
    case Outcome::kRecord:
      break;
  }
  if (header_read_ && fields_.size() != header_.size()) {
    return LineError(absl::StrCat("expected ", header_.size(),
                                  " fields, found ", fields_.size()));
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!common::IsValidUtf8(fields_[i])) {
      return LineError(absl::StrCat(ColumnLabel(i), " is not valid UTF-8"));
    }
  }
  CsvRecord record;
  record.line = record_line_;
  record.fields = std::move(fields_);
  fields_ = {};
  return record;
}

}  // namespace crm::customer_profile_client
