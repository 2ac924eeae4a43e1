#include "services/common/filter/filter_parser.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/common/filter/filter_error.h"
#include "services/common/status_macros.h"

namespace crm::common::filter {
namespace {

// The largest duration accepted, as google.protobuf.Duration allows.
constexpr int64_t kMaxDurationSeconds = 315'576'000'000;

enum class TokenKind {
  kEnd,
  kLParen,
  kRParen,
  kComparator,
  kAnd,
  kOr,
  kNot,
  kMinus,
  kString,  // A quoted string; `text` holds it unescaped.
  kText,    // A bare word: a field path, number, enum name, ...
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  Comparator comparator = Comparator::kEq;  // kComparator only.
  std::string text;                         // kString, kText.
  int column = 0;                           // 1-based.
};

// What an error says it found: never the caller's text.
std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kComparator:
      return absl::StrCat("'", ComparatorText(token.comparator), "'");
    case TokenKind::kAnd:
      return "'AND'";
    case TokenKind::kOr:
      return "'OR'";
    case TokenKind::kNot:
      return "'NOT'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kString:
      return "a quoted string";
    case TokenKind::kText:
      return "a word";
  }
  return "a token";
}

// Length of the valid UTF-8 sequence starting at `text[i]`, or 0 if invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  uint32_t code_point = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    code_point = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    code_point = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    code_point = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a bare word.
bool IsDelimiter(char c) {
  return IsSpace(c) || c == '(' || c == ')' || c == '"' || c == '\'' ||
         c == '=' || c == '!' || c == '<' || c == '>' || c == ':';
}

class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  // All tokens, ending with kEnd; the first lexical error otherwise.
  absl::StatusOr<std::vector<Token>> Tokenize() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpace();
      Token token;
      token.column = column_;
      if (pos_ >= text_.size()) {
        tokens.push_back(std::move(token));
        return tokens;
      }
      const char c = text_[pos_];
      if (c == '(' || c == ')') {
        token.kind = c == '(' ? TokenKind::kLParen : TokenKind::kRParen;
        Advance(1);
      } else if (c == '"' || c == '\'') {
        CRM_RETURN_IF_ERROR(ReadString(token));
      } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == ':') {
        CRM_RETURN_IF_ERROR(ReadComparator(token));
      } else if (c == '-' && !StartsNumber(pos_ + 1)) {
        token.kind = TokenKind::kMinus;
        Advance(1);
      } else {
        CRM_RETURN_IF_ERROR(ReadWord(token));
      }
      tokens.push_back(std::move(token));
    }
  }

 private:
  bool StartsNumber(size_t i) const {
    return i < text_.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(text_[i])) ||
            text_[i] == '.');
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) Advance(1);
  }

  // Moves over `bytes` bytes that form whole characters.
  void Advance(size_t bytes) {
    for (size_t end = pos_ + bytes; pos_ < end; ++pos_) {
      if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) ++column_;
    }
  }

  // Checks the character at pos_ and returns its byte length.
  absl::StatusOr<size_t> CharacterLength() const {
    const size_t length = Utf8SequenceLength(text_, pos_);
    if (length == 0) return FilterError(column_, "not valid UTF-8");
    if (length == 1 && static_cast<unsigned char>(text_[pos_]) < 0x20) {
      return FilterError(column_, "unexpected control character");
    }
    return length;
  }

  absl::Status ReadString(Token& token) {
    token.kind = TokenKind::kString;
    const char quote = text_[pos_];
    const int open_column = column_;
    Advance(1);
    while (true) {
      if (pos_ >= text_.size()) {
        return FilterError(open_column,
                           "the quoted string starting here is not closed");
      }
      const char c = text_[pos_];
      if (c == quote) {
        Advance(1);
        return absl::OkStatus();
      }
      if (c == '\\') {
        const int escape_column = column_;
        Advance(1);
        if (pos_ >= text_.size()) {
          return FilterError(open_column,
                             "the quoted string starting here is not closed");
        }
        switch (text_[pos_]) {
          case '"':
          case '\'':
          case '\\':
            token.text.push_back(text_[pos_]);
            break;
          case 'n':
            token.text.push_back('\n');
            break;
          case 't':
            token.text.push_back('\t');
            break;
          case 'r':
            token.text.push_back('\r');
            break;
          default:
            return FilterError(escape_column,
                               "unknown escape; use \\\", \\', \\\\, \\n, "
                               "\\t or \\r");
        }
        Advance(1);
        continue;
      }
      CRM_ASSIGN_OR_RETURN(size_t length, CharacterLength());
      token.text.append(text_.data() + pos_, length);
      Advance(length);
    }
  }

  absl::Status ReadComparator(Token& token) {
    token.kind = TokenKind::kComparator;
    const char c = text_[pos_];
    const bool followed_by_equals =
        pos_ + 1 < text_.size() && text_[pos_ + 1] == '=';
    switch (c) {
      case '=':
        token.comparator = Comparator::kEq;
        break;
      case ':':
        token.comparator = Comparator::kHas;
        break;
      case '!':
        if (!followed_by_equals) {
          return FilterError(column_, "expected '=' after '!'");
        }
        token.comparator = Comparator::kNe;
        break;
      case '<':
        token.comparator =
            followed_by_equals ? Comparator::kLe : Comparator::kLt;
        break;
      default:  // '>'
        token.comparator =
            followed_by_equals ? Comparator::kGe : Comparator::kGt;
        break;
    }
    const bool two_characters =
        c == '!' || ((c == '<' || c == '>') && followed_by_equals);
    Advance(two_characters ? 2 : 1);
    return absl::OkStatus();
  }

  absl::Status ReadWord(Token& token) {
    token.kind = TokenKind::kText;
    while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) {
      CRM_ASSIGN_OR_RETURN(size_t length, CharacterLength());
      token.text.append(text_.data() + pos_, length);
      Advance(length);
    }
    if (token.text == "AND") token.kind = TokenKind::kAnd;
    if (token.text == "OR") token.kind = TokenKind::kOr;
    if (token.text == "NOT") token.kind = TokenKind::kNot;
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
  int column_ = 1;
};

// A name the caller typed, shown in errors only if it looks like a field
// path (so no value can leak through it).
std::string ShowableName(absl::string_view name) {
  if (name.size() > 64) return "";
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '.') {
      return "";
    }
  }
  return std::string(name);
}

std::string ComparatorList(const FieldSpec& field) {
  std::vector<std::string> texts;
  for (Comparator comparator : field.comparators) {
    texts.emplace_back(ComparatorText(comparator));
  }
  return absl::StrJoin(texts, " ");
}

// Parses "<seconds>[.<fraction>]s" with an optional '-'; fraction digits
// beyond microseconds are dropped.
bool ParseDurationText(absl::string_view text, absl::Duration* out) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.size() < 2 || text.back() != 's') return false;
  text.remove_suffix(1);
  const size_t dot = text.find('.');
  absl::string_view whole = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 12) return false;
  if (dot != absl::string_view::npos &&
      (fraction.empty() || fraction.size() > 9)) {
    return false;
  }
  int64_t seconds = 0;
  for (char c : whole) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    seconds = seconds * 10 + (c - '0');
  }
  int64_t micros = 0;
  for (size_t i = 0; i < 6; ++i) {
    char c = i < fraction.size() ? fraction[i] : '0';
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    micros = micros * 10 + (c - '0');
  }
  for (size_t i = 6; i < fraction.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(fraction[i]))) {
      return false;
    }
  }
  if (seconds > kMaxDurationSeconds) return false;
  absl::Duration value = absl::Seconds(seconds) + absl::Microseconds(micros);
  *out = negative ? -value : value;
  return true;
}

// RFC 3339 with a 'T' and an offset, years 0001-9999, truncated to
// microseconds (what DATETIME(6) holds).
bool ParseTimestampText(absl::string_view text, absl::Time* out) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return false;
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time, absl::UTCTimeZone());
  if (civil.year() < 1 || civil.year() > 9999) return false;
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  *out = absl::UnixEpoch() + absl::Floor(since_epoch, absl::Microseconds(1));
  return true;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const FilterSchema& schema,
         const FilterLimits& limits)
      : tokens_(std::move(tokens)), schema_(schema), limits_(limits) {}

  absl::StatusOr<Filter> Parse() {
    Filter filter;
    if (Peek().kind == TokenKind::kEnd) return filter;
    CRM_ASSIGN_OR_RETURN(FilterNode root, ParseExpression(0));
    if (Peek().kind != TokenKind::kEnd) {
      return FilterError(
          Peek().column,
          absl::StrCat("expected AND, OR or end of input, found ",
                       Describe(Peek())));
    }
    filter.root = std::move(root);
    return filter;
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  const Token& Take() {
    const Token& token = tokens_[next_];
    if (token.kind != TokenKind::kEnd) ++next_;
    return token;
  }

  static bool StartsTerm(const Token& token) {
    return token.kind == TokenKind::kText || token.kind == TokenKind::kLParen ||
           token.kind == TokenKind::kNot || token.kind == TokenKind::kMinus;
  }

  static FilterNode Combine(FilterNode::Kind kind,
                            std::vector<FilterNode> operands) {
    if (operands.size() == 1) return std::move(operands.front());
    FilterNode node;
    node.kind = kind;
    node.operands = std::move(operands);
    return node;
  }

  // expression = sequence { "AND" sequence }
  absl::StatusOr<FilterNode> ParseExpression(int depth) {
    std::vector<FilterNode> operands;
    CRM_ASSIGN_OR_RETURN(FilterNode first, ParseSequence(depth, nullptr));
    operands.push_back(std::move(first));
    while (Peek().kind == TokenKind::kAnd) {
      const Token& keyword = Take();
      CRM_ASSIGN_OR_RETURN(FilterNode next, ParseSequence(depth, &keyword));
      operands.push_back(std::move(next));
    }
    return Combine(FilterNode::Kind::kAnd, std::move(operands));
  }

  // sequence = factor { factor }   (whitespace-separated factors are ANDed)
  absl::StatusOr<FilterNode> ParseSequence(int depth, const Token* after) {
    std::vector<FilterNode> operands;
    CRM_ASSIGN_OR_RETURN(FilterNode first, ParseFactor(depth, after));
    operands.push_back(std::move(first));
    while (StartsTerm(Peek())) {
      CRM_ASSIGN_OR_RETURN(FilterNode next, ParseFactor(depth, nullptr));
      operands.push_back(std::move(next));
    }
    return Combine(FilterNode::Kind::kAnd, std::move(operands));
  }

  // factor = term { "OR" term }
  absl::StatusOr<FilterNode> ParseFactor(int depth, const Token* after) {
    std::vector<FilterNode> operands;
    CRM_ASSIGN_OR_RETURN(FilterNode first, ParseTerm(depth, after));
    operands.push_back(std::move(first));
    while (Peek().kind == TokenKind::kOr) {
      const Token& keyword = Take();
      CRM_ASSIGN_OR_RETURN(FilterNode next, ParseTerm(depth, &keyword));
      operands.push_back(std::move(next));
    }
    return Combine(FilterNode::Kind::kOr, std::move(operands));
  }

  // term = [ "NOT" | "-" ] simple
  absl::StatusOr<FilterNode> ParseTerm(int depth, const Token* after) {
    if (Peek().kind == TokenKind::kNot || Peek().kind == TokenKind::kMinus) {
      const Token& negation = Take();
      if (depth + 1 > limits_.max_depth) {
        return FilterError(negation.column,
                           absl::StrCat("the filter nests deeper than ",
                                        limits_.max_depth, " levels"));
      }
      CRM_ASSIGN_OR_RETURN(FilterNode operand,
                           ParseSimple(depth + 1, &negation));
      FilterNode node;
      node.kind = FilterNode::Kind::kNot;
      node.operands.push_back(std::move(operand));
      return node;
    }
    return ParseSimple(depth, after);
  }

  // simple = restriction | "(" expression ")"
  absl::StatusOr<FilterNode> ParseSimple(int depth, const Token* after) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kLParen) {
      const Token& open = Take();
      if (depth + 1 > limits_.max_depth) {
        return FilterError(open.column,
                           absl::StrCat("the filter nests deeper than ",
                                        limits_.max_depth, " levels"));
      }
      CRM_ASSIGN_OR_RETURN(FilterNode inner, ParseExpression(depth + 1));
      if (Peek().kind != TokenKind::kRParen) {
        return FilterError(
            Peek().column,
            absl::StrCat("expected AND, OR or ')' closing the '(' at column ",
                         open.column, ", found ", Describe(Peek())));
      }
      Take();
      return inner;
    }
    if (token.kind == TokenKind::kText) return ParseRestriction();
    std::string expected = "expected a field name, '(' or NOT";
    if (after != nullptr) {
      absl::StrAppend(&expected, " after ", Describe(*after));
    }
    return FilterError(token.column,
                       absl::StrCat(expected, ", found ", Describe(token)));
  }

  // restriction = field comparator value
  absl::StatusOr<FilterNode> ParseRestriction() {
    const Token& name = Take();
    const FieldLookup lookup = schema_.Find(name.text);
    if (lookup.field == nullptr) {
      const std::string lower = absl::AsciiStrToLower(name.text);
      if (lower == "and" || lower == "or" || lower == "not") {
        return FilterError(name.column,
                           "AND, OR and NOT must be written in upper case");
      }
      const std::string shown = ShowableName(name.text);
      return FilterError(
          name.column,
          absl::StrCat("unknown field", shown.empty() ? "" : " '", shown,
                       shown.empty() ? "" : "'", "; expected one of ",
                       absl::StrJoin(schema_.paths(), ", ")));
    }
    const FieldSpec& field = *lookup.field;
    const Token& op = Peek();
    if (op.kind != TokenKind::kComparator) {
      return FilterError(op.column,
                         absl::StrCat("expected a comparator (",
                                      ComparatorList(field), ") after field '",
                                      name.text, "', found ", Describe(op)));
    }
    Take();
    Comparator comparator = op.comparator;
    if (comparator == Comparator::kEq && lookup.alias != nullptr &&
        lookup.alias->equals_means_has) {
      comparator = Comparator::kHas;
    }
    if (!field.Accepts(comparator)) {
      return FilterError(
          op.column, absl::StrCat("field '", name.text, "' does not accept '",
                                  ComparatorText(op.comparator), "'; use ",
                                  ComparatorList(field),
                                  field.repeated ? " (it is repeated)" : ""));
    }
    const Token& value = Peek();
    if (value.kind != TokenKind::kText && value.kind != TokenKind::kString) {
      return FilterError(
          value.column, absl::StrCat("expected a value after '",
                                     ComparatorText(op.comparator), "', found ",
                                     Describe(value)));
    }
    Take();
    FilterNode node;
    node.kind = FilterNode::Kind::kRestriction;
    node.restriction.field = &field;
    node.restriction.comparator = comparator;
    node.restriction.field_column = name.column;
    node.restriction.value_column = value.column;
    CRM_ASSIGN_OR_RETURN(node.restriction.value,
                         ConvertValue(field, name.text, value));
    return node;
  }

  static absl::StatusOr<FilterValue> ConvertValue(const FieldSpec& field,
                                                  absl::string_view name,
                                                  const Token& token) {
    const std::string& text = token.text;
    auto mismatch = [&]() {
      std::string expects(FieldTypeDescription(field.type));
      if (field.type == FieldType::kEnum) {
        expects =
            absl::StrCat("one of ", absl::StrJoin(field.enum_names, ", "));
      }
      return FilterError(token.column,
                         absl::StrCat("field '", name, "' expects ", expects));
    };
    switch (field.type) {
      case FieldType::kString:
        return FilterValue(text);
      case FieldType::kInt64: {
        int64_t number = 0;
        if (text.empty() || !absl::SimpleAtoi(text, &number)) return mismatch();
        return FilterValue(number);
      }
      case FieldType::kDouble: {
        double number = 0;
        if (text.empty() || !absl::SimpleAtod(text, &number) ||
            !std::isfinite(number)) {
          return mismatch();
        }
        return FilterValue(number);
      }
      case FieldType::kBool:
        if (text == "true") return FilterValue(true);
        if (text == "false") return FilterValue(false);
        return mismatch();
      case FieldType::kEnum:
        if (!field.HasEnumName(text)) return mismatch();
        return FilterValue(text);
      case FieldType::kTimestamp: {
        absl::Time time;
        if (!ParseTimestampText(text, &time)) return mismatch();
        return FilterValue(time);
      }
      case FieldType::kDuration: {
        absl::Duration duration;
        if (!ParseDurationText(text, &duration)) return mismatch();
        return FilterValue(duration);
      }
    }
    return mismatch();
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  const FilterSchema& schema_;
  const FilterLimits& limits_;
};

}  // namespace

absl::StatusOr<Filter> ParseFilter(absl::string_view text,
                                   const FilterSchema& schema,
                                   const FilterLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return FilterError(
        static_cast<int>(limits.max_bytes) + 1,
        absl::StrCat("the filter is longer than ", limits.max_bytes, " bytes"));
  }
  CRM_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lexer(text).Tokenize());
  return Parser(std::move(tokens), schema, limits).Parse();
}

}  // namespace crm::common::filter
