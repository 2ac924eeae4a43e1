#include "services/customer_profile/core/standardizer.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/testing/status_matchers.h"

namespace crm::customer_profile {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// ---------------------------------------------------------------- email

TEST(StandardizeEmailTest, TrimsAndLowerCases) {
  CRM_ASSERT_OK_AND_ASSIGN(
      std::string email, StandardizeEmail("  Alice.Smith+CRM@Example.COM \t"));
  EXPECT_EQ(email, "alice.smith+crm@example.com");
}

TEST(StandardizeEmailTest, TrimsIdeographicSpace) {
  CRM_ASSERT_OK_AND_ASSIGN(std::string email,
                           StandardizeEmail("\xE3\x80\x80wang@example.cn"));
  EXPECT_EQ(email, "wang@example.cn");
}

TEST(StandardizeEmailTest, EmptyMeansAbsent) {
  CRM_ASSERT_OK_AND_ASSIGN(std::string email, StandardizeEmail("   "));
  EXPECT_EQ(email, "");
}

TEST(StandardizeEmailTest, AcceptsPunycodeDomainsAndSubdomains) {
  EXPECT_THAT(StandardizeEmail("a@xn--fiqs8s.xn--fiqz9s"), IsOk());
  EXPECT_THAT(StandardizeEmail("a_b-c@mail.sub.example.co.uk"), IsOk());
}

TEST(StandardizeEmailTest, RejectsWithFieldAndReasonButNotTheValue) {
  struct Case {
    std::string input;
    std::string reason;
  };
  const Case cases[] = {
      {"alice.example.com", "missing '@'"},
      {"alice@@example.com", "more than one '@'"},
      {"a@b@example.com", "more than one '@'"},
      {"alice smith@example.com", "whitespace"},
      {"@example.com", "local part"},
      {"alice@", "domain"},
      {"alice@localhost", "dot"},
      {"alice@-bad.com", "'-'"},
      {"alice@bad-.com", "'-'"},
      {"alice@exa_mple.com", "letters, digits"},
      {"alice@example..com", "empty label"},
      {".alice@example.com", "'.'"},
      {"al..ice@example.com", "'..'"},
      {"alice@1.2.3.4", "numeric"},
      {"alice@[1.2.3.4]", "IP address"},
      {"\"alice\"@example.com", "not allowed"},
      {"li@\xE4\xBE\x8B\xE5\xAD\x90.cn", "ASCII"},
      {"bad\xFF@example.com", "UTF-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    absl::StatusOr<std::string> result = StandardizeEmail(c.input);
    EXPECT_THAT(result, StatusIs(kInvalid, AllOf(StartsWith("email: "),
                                                 HasSubstr(c.reason))));
    EXPECT_THAT(std::string(result.status().message()),
                Not(HasSubstr("alice")));
  }
}

TEST(StandardizeEmailTest, UsesTheGivenFieldName) {
  EXPECT_THAT(StandardizeEmail("nope", "customer.email"),
              StatusIs(kInvalid, StartsWith("customer.email: ")));
}

TEST(StandardizeEmailTest, EnforcesLengthLimits) {
  const std::string local64(64, 'a');
  EXPECT_THAT(StandardizeEmail(local64 + "@example.com"), IsOk());
  EXPECT_THAT(StandardizeEmail(local64 + "a@example.com"),
              StatusIs(kInvalid, HasSubstr("longer than 64")));
  // 254 characters in all is the limit.
  const std::string label(63, 'b');
  const std::string domain = absl::StrCat(label, ".", label, ".", label, ".",
                                          std::string(53, 'c'), ".com");
  const std::string at_limit = absl::StrCat(std::string(4, 'a'), "@", domain);
  ASSERT_EQ(at_limit.size(), 254u);
  EXPECT_THAT(StandardizeEmail(at_limit), IsOk());
  EXPECT_THAT(StandardizeEmail("a" + at_limit),
              StatusIs(kInvalid, HasSubstr("longer than 254")));
  EXPECT_THAT(
      StandardizeEmail(absl::StrCat("a@", std::string(64, 'x'), ".com")),
      StatusIs(kInvalid, HasSubstr("63")));
}

// ---------------------------------------------------------------- phone

PhoneOptions Lenient(std::string region = "CN") {
  return PhoneOptions{.default_region = std::move(region), .strict = false};
}
PhoneOptions Strict(std::string region = "CN") {
  return PhoneOptions{.default_region = std::move(region), .strict = true};
}

TEST(StandardizePhoneTest, ChineseMobileWithDefaultRegion) {
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone phone,
                           StandardizePhone("138 0013 8000", Strict()));
  EXPECT_EQ(phone.value, "+8613800138000");
  EXPECT_TRUE(phone.is_e164);
  EXPECT_EQ(phone.reason, "");
}

TEST(StandardizePhoneTest, InternationalFormatIgnoresDefaultRegion) {
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone phone,
                           StandardizePhone("+1 650-253-0000", Strict()));
  EXPECT_EQ(phone.value, "+16502530000");
  EXPECT_TRUE(phone.is_e164);
}

TEST(StandardizePhoneTest, InternationalPrefixAndFullWidthDigits) {
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone idd,
                           StandardizePhone("0086 138-0013-8000", Strict()));
  EXPECT_EQ(idd.value, "+8613800138000");
  // "１３８００１３８０００" typed with a Chinese input method.
  CRM_ASSERT_OK_AND_ASSIGN(
      StandardizedPhone full_width,
      StandardizePhone("\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x98\xEF\xBC\x90"
                       "\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x93\xEF\xBC\x98"
                       "\xEF\xBC\x90\xEF\xBC\x90\xEF\xBC\x90",
                       Strict()));
  EXPECT_EQ(full_width.value, "+8613800138000");
}

TEST(StandardizePhoneTest, OtherDefaultRegion) {
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone phone,
                           StandardizePhone("(650) 253-0000", Strict("US")));
  EXPECT_EQ(phone.value, "+16502530000");
}

TEST(StandardizePhoneTest, GarbageIsKeptInLenientMode) {
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone phone,
                           StandardizePhone("  call  me maybe ", Lenient()));
  EXPECT_EQ(phone.value, "call me maybe");
  EXPECT_FALSE(phone.is_e164);
  EXPECT_THAT(phone.reason, HasSubstr("not a valid number for region CN"));
}

TEST(StandardizePhoneTest, GarbageIsRejectedInStrictMode) {
  EXPECT_THAT(StandardizePhone("call me maybe", Strict()),
              StatusIs(kInvalid,
                       StartsWith("phone: not a valid number for region CN")));
}

TEST(StandardizePhoneTest, ParseableButInvalidNumber) {
  // Right shape, but no Chinese number range starts with 1 0 (nor +1 555 01).
  const std::string invalid = "100 0000 0000";
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone kept,
                           StandardizePhone(invalid, Lenient()));
  EXPECT_FALSE(kept.is_e164);
  EXPECT_EQ(kept.value, invalid);
  absl::StatusOr<StandardizedPhone> strict =
      StandardizePhone(invalid, Strict());
  EXPECT_THAT(strict, StatusIs(kInvalid,
                               "phone: not a valid number for "
                               "region CN"));
  EXPECT_THAT(std::string(strict.status().message()), Not(HasSubstr("0000")));
  EXPECT_THAT(StandardizePhone("+1 555 010 0000", Strict()),
              StatusIs(kInvalid));
}

TEST(StandardizePhoneTest, TooShortCarriesTheCause) {
  EXPECT_THAT(StandardizePhone("1", Strict()),
              StatusIs(kInvalid, HasSubstr("not a valid number")));
}

TEST(StandardizePhoneTest, ExtensionsAreNotStandardised) {
  CRM_ASSERT_OK_AND_ASSIGN(
      StandardizedPhone phone,
      StandardizePhone("+1 650-253-0000 ext. 12", Lenient()));
  EXPECT_FALSE(phone.is_e164);
  EXPECT_THAT(phone.reason, HasSubstr("extension"));
}

TEST(StandardizePhoneTest, EmptyInvalidUtf8TooLongAndBadRegion) {
  CRM_ASSERT_OK_AND_ASSIGN(StandardizedPhone empty,
                           StandardizePhone("  ", Strict()));
  EXPECT_EQ(empty.value, "");
  EXPECT_FALSE(empty.is_e164);
  EXPECT_THAT(StandardizePhone("138\xC0\xAF", Lenient()),
              StatusIs(kInvalid, "phone: not valid UTF-8"));
  EXPECT_THAT(StandardizePhone(std::string(33, '1'), Lenient()),
              StatusIs(kInvalid, "phone: longer than 32 characters"));
  EXPECT_THAT(StandardizePhone("13800138000", Lenient("ZZ")),
              StatusIs(kInvalid, HasSubstr("region")));
  EXPECT_THAT(ValidatePhoneRegion("CN"), IsOk());
  EXPECT_THAT(ValidatePhoneRegion("cn"), StatusIs(kInvalid));
}

// ---------------------------------------------------------------- names

TEST(StandardizeNameTest, ChineseNamesRoundTripUnchanged) {
  for (const std::string name :
       {"\xE7\x8E\x8B\xE5\xB0\x8F\xE6\x98\x8E",  // 王小明
        "\xE6\xAC\xA7\xE9\x98\xB3\xE5\x87\xAC",  // 欧阳凬
        "\xF0\xA0\x80\x80\xE5\xAE\x87",          // 𠀀宇 (outside the BMP)
        "Zo\xC3\xAB O'Brien-Sm\xC3\xADth"}) {
    SCOPED_TRACE(name);
    CRM_ASSERT_OK_AND_ASSIGN(std::string out,
                             StandardizeName(name, "given_name", 100));
    EXPECT_EQ(out, name);
  }
}

TEST(StandardizeNameTest, CollapsesUnicodeWhitespace) {
  // U+3000 ideographic space, U+00A0 no-break space, tab, newline, U+2003.
  CRM_ASSERT_OK_AND_ASSIGN(
      std::string out,
      StandardizeName("\xE3\x80\x80 \xE7\x8E\x8B\xE3\x80\x80\xE3\x80\x80"
                      "\xE5\xB0\x8F\xE6\x98\x8E\xC2\xA0\t\nJr\xE2\x80\x83",
                      "given_name", 100));
  EXPECT_EQ(out, "\xE7\x8E\x8B \xE5\xB0\x8F\xE6\x98\x8E Jr");
  EXPECT_EQ(CollapseWhitespace("  a \t b  "), "a b");
  EXPECT_EQ(CollapseWhitespace("\xE3\x80\x80"), "");
}

TEST(StandardizeNameTest, InvalidUtf8IsRejectedNamingTheField) {
  for (const std::string bad : {"Wang\xFF", "\xE7\x8E", "\xC0\xAF",
                                "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    EXPECT_THAT(StandardizeName(bad, "family_name", 100),
                StatusIs(kInvalid, "family_name: not valid UTF-8"));
  }
}

TEST(StandardizeNameTest, LengthIsCountedInCodePoints) {
  std::string hundred_chinese;
  for (int i = 0; i < 100; ++i) hundred_chinese += "\xE7\x8E\x8B";
  ASSERT_EQ(hundred_chinese.size(), 300u);
  EXPECT_THAT(StandardizeName(hundred_chinese, "given_name", 100), IsOk());
  EXPECT_THAT(
      StandardizeName(hundred_chinese + "\xE7\x8E\x8B", "given_name", 100),
      StatusIs(kInvalid, "given_name: longer than 100 characters"));
  // Whitespace collapse happens before the length check.
  EXPECT_THAT(
      StandardizeName("  " + std::string(100, 'a') + "  ", "given_name", 100),
      IsOk());
}

TEST(StandardizeNameTest, RejectsControlCharacters) {
  EXPECT_THAT(StandardizeName(std::string("a\0b", 3), "given_name", 100),
              StatusIs(kInvalid, HasSubstr("control")));
  EXPECT_THAT(StandardizeName("a\x7F"
                              "b",
                              "given_name", 100),
              StatusIs(kInvalid, HasSubstr("control")));
}

TEST(ValidateUtf8Test, ChecksEncodingAndLength) {
  EXPECT_THAT(ValidateUtf8("address.line", "\xE5\x8C\x97\xE4\xBA\xAC", 2),
              IsOk());
  EXPECT_THAT(ValidateUtf8("address.line", "\xE5\x8C\x97\xE4\xBA\xAC", 1),
              StatusIs(kInvalid, "address.line: longer than 1 characters"));
  EXPECT_THAT(ValidateUtf8("address.line", "\x80", 10),
              StatusIs(kInvalid, "address.line: not valid UTF-8"));
}

// ---------------------------------------------------------------- codes

TEST(CountryCodeTest, NormalisesAndValidates) {
  CRM_ASSERT_OK_AND_ASSIGN(std::string cn, StandardizeCountryCode(" cn "));
  EXPECT_EQ(cn, "CN");
  CRM_ASSERT_OK_AND_ASSIGN(std::string empty, StandardizeCountryCode(""));
  EXPECT_EQ(empty, "");
  for (const char* ok : {"US", "gb", "Hk", "TW", "MO", "SS", "AQ"}) {
    EXPECT_THAT(StandardizeCountryCode(ok), IsOk()) << ok;
  }
  // XK (Kosovo) and EU are user-assigned or reserved, not assigned.
  for (const char* bad :
       {"XX", "UK", "EU", "XK", "ZZ", "C", "CHN", "C1", "\xE4\xB8\xAD"}) {
    EXPECT_THAT(StandardizeCountryCode(bad),
                StatusIs(kInvalid, StartsWith("address.country_code: ")))
        << bad;
  }
}

TEST(CountryCodeTest, EmbeddedListIsCompleteAndSearchable) {
  // Every entry must be found by the binary search (so the list is sorted),
  // and there are exactly 249 officially assigned codes.
  size_t found = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      if (IsAssignedCountryCode(std::string{a, b})) ++found;
    }
  }
  EXPECT_EQ(AssignedCountryCodeCount(), 249u);
  EXPECT_EQ(found, 249u);
}

TEST(CurrencyCodeTest, NormalisesAndValidates) {
  CRM_ASSERT_OK_AND_ASSIGN(std::string cny, StandardizeCurrencyCode("cny"));
  EXPECT_EQ(cny, "CNY");
  for (const char* bad : {"XXX", "XAU", "RMB", "HRK", "US", "USDX", "12A"}) {
    EXPECT_THAT(StandardizeCurrencyCode(bad),
                StatusIs(kInvalid, StartsWith("currency_code: ")))
        << bad;
  }
  EXPECT_THAT(StandardizeCurrencyCode("rmb", "order.currency_code"),
              StatusIs(kInvalid, StartsWith("order.currency_code: ")));
}

TEST(CurrencyCodeTest, MinorUnits) {
  EXPECT_EQ(CurrencyMinorUnits("CNY").value(), 2);
  EXPECT_EQ(CurrencyMinorUnits("USD").value(), 2);
  EXPECT_EQ(CurrencyMinorUnits("JPY").value(), 0);
  EXPECT_EQ(CurrencyMinorUnits("KRW").value(), 0);
  EXPECT_EQ(CurrencyMinorUnits("KWD").value(), 3);
  EXPECT_EQ(CurrencyMinorUnits("BHD").value(), 3);
  EXPECT_EQ(CurrencyMinorUnits("CLF").value(), 4);
  EXPECT_THAT(CurrencyMinorUnits("cny"), StatusIs(kInvalid));
  EXPECT_THAT(CurrencyMinorUnits("XTS"), StatusIs(kInvalid));
}

TEST(CurrencyCodeTest, EmbeddedListIsSearchable) {
  size_t found = 0;
  std::string code(3, 'A');
  for (code[0] = 'A'; code[0] <= 'Z'; ++code[0]) {
    for (code[1] = 'A'; code[1] <= 'Z'; ++code[1]) {
      for (code[2] = 'A'; code[2] <= 'Z'; ++code[2]) {
        if (FindCurrencyMinorUnits(code).has_value()) ++found;
      }
    }
  }
  EXPECT_EQ(found, ActiveCurrencyCount());
  EXPECT_GT(found, 150u);
}

TEST(AmountTest, ParsesIntoMinorUnits) {
  EXPECT_EQ(ParseAmountInMinorUnits("12.34", "CNY", "amount").value(), 1234);
  EXPECT_EQ(ParseAmountInMinorUnits("12.3", "CNY", "amount").value(), 1230);
  EXPECT_EQ(ParseAmountInMinorUnits("12", "CNY", "amount").value(), 1200);
  EXPECT_EQ(ParseAmountInMinorUnits("100", "JPY", "amount").value(), 100);
  EXPECT_EQ(ParseAmountInMinorUnits("1.005", "KWD", "amount").value(), 1005);
  EXPECT_EQ(ParseAmountInMinorUnits("0", "USD", "amount").value(), 0);
  for (const char* bad : {"12.345", "-1", "1e3", "1,000", "", ".5", "5.", "abc",
                          "99999999999999999999"}) {
    EXPECT_THAT(ParseAmountInMinorUnits(bad, "CNY", "amount"),
                StatusIs(kInvalid, StartsWith("amount: ")))
        << bad;
  }
  EXPECT_THAT(ParseAmountInMinorUnits("1.5", "JPY", "amount"),
              StatusIs(kInvalid, HasSubstr("0 decimal places")));
  EXPECT_THAT(ParseAmountInMinorUnits("1", "RMB", "amount"),
              StatusIs(kInvalid));
}

// ---------------------------------------------------------------- dates

TEST(DateTest, ParsesRealCalendarDates) {
  CRM_ASSERT_OK_AND_ASSIGN(absl::CivilDay leap,
                           ParseIsoDate("2024-02-29", "birth_date"));
  EXPECT_EQ(leap, absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(FormatIsoDate(leap), "2024-02-29");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(987, 6, 5)), "0987-06-05");
  EXPECT_THAT(ParseIsoDate("2000-02-29", "d"), IsOk());
  for (const char* bad :
       {"2023-02-29", "2024-02-30", "1900-02-29", "2024-13-01", "2024-00-10",
        "2024-04-31", "2024-1-01", "20240101", "2024/01/01", "0000-01-01",
        "2024-01-01T00:00:00Z", "", "+2024-01-01"}) {
    EXPECT_THAT(ParseIsoDate(bad, "birth_date"),
                StatusIs(kInvalid, StartsWith("birth_date: ")))
        << bad;
  }
}

TEST(DateTest, BirthDateNotInTheFuture) {
  const absl::Time now = absl::FromCivil(
      absl::CivilSecond(2025, 6, 15, 12, 0, 0), absl::UTCTimeZone());
  EXPECT_THAT(ParseBirthDate("1990-05-01", "birth_date", now), IsOk());
  // Already the 16th at UTC+14, so "tomorrow in UTC" is accepted.
  EXPECT_THAT(ParseBirthDate("2025-06-16", "birth_date", now), IsOk());
  EXPECT_THAT(ParseBirthDate("2025-06-17", "birth_date", now),
              StatusIs(kInvalid, "birth_date: is in the future"));
  EXPECT_THAT(ParseBirthDate("2099-01-01", "birth_date", now),
              StatusIs(kInvalid, HasSubstr("future")));
  EXPECT_THAT(ParseBirthDate("1850-01-01", "birth_date", now),
              StatusIs(kInvalid, HasSubstr("150 years")));
  EXPECT_THAT(ParseBirthDate("2025-02-29", "birth_date", now),
              StatusIs(kInvalid, HasSubstr("calendar")));
}

}  // namespace
}  // namespace crm::customer_profile
