#include "tools/demo_data/demo_generator.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace crm::tools {

// ------------------------------------------------------------------ random

DemoRandom::DemoRandom(uint64_t seed) : engine_(seed) {}

uint64_t DemoRandom::Next() { return engine_(); }

double DemoRandom::Uniform() {
  return static_cast<double>(Next() >> 11) * 0x1.0p-53;
}

uint64_t DemoRandom::Below(uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

bool DemoRandom::Chance(double p) { return Uniform() < p; }

double DemoRandom::Normal() {
  double u1 = 1.0 - Uniform();  // (0, 1]
  double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double DemoRandom::LogNormal(double mu, double sigma) {
  return std::exp(mu + sigma * Normal());
}

namespace {

// ------------------------------------------------------------------ tables

struct Romanized {
  const char* text;
  const char* latin;
};

constexpr Romanized kChineseFamily[] = {
    {"王", "wang"},     {"李", "li"},     {"张", "zhang"}, {"刘", "liu"},
    {"陈", "chen"},     {"杨", "yang"},   {"黄", "huang"}, {"赵", "zhao"},
    {"吴", "wu"},       {"周", "zhou"},   {"徐", "xu"},    {"孙", "sun"},
    {"马", "ma"},       {"朱", "zhu"},    {"胡", "hu"},    {"郭", "guo"},
    {"何", "he"},       {"高", "gao"},    {"林", "lin"},   {"罗", "luo"},
    {"郑", "zheng"},    {"梁", "liang"},  {"谢", "xie"},   {"宋", "song"},
    {"欧阳", "ouyang"}, {"司马", "sima"},
};
constexpr Romanized kChineseGiven[] = {
    {"伟", "wei"},       {"芳", "fang"},       {"娜", "na"},
    {"秀英", "xiuying"}, {"敏", "min"},        {"静", "jing"},
    {"丽", "li"},        {"强", "qiang"},      {"磊", "lei"},
    {"军", "jun"},       {"洋", "yang"},       {"勇", "yong"},
    {"艳", "yan"},       {"杰", "jie"},        {"娟", "juan"},
    {"涛", "tao"},       {"明", "ming"},       {"超", "chao"},
    {"秀兰", "xiulan"},  {"霞", "xia"},        {"平", "ping"},
    {"刚", "gang"},      {"小明", "xiaoming"}, {"晓燕", "xiaoyan"},
    {"子涵", "zihan"},   {"浩然", "haoran"},   {"欣怡", "xinyi"},
    {"梓轩", "zixuan"},  {"一诺", "yinuo"},    {"雨桐", "yutong"},
    {"思远", "siyuan"},  {"嘉怡", "jiayi"},
};
constexpr const char* kEnglishGiven[] = {
    "James",   "Mary",   "John",  "Patricia", "Robert", "Jennifer",
    "Michael", "Linda",  "David", "Emma",     "Oliver", "Sophie",
    "Daniel",  "Grace",  "Lucas", "Chloe",    "Ethan",  "Olivia",
    "Henry",   "Amelia", "Jack",  "Isla",     "Noah",   "Charlotte",
};
constexpr const char* kEnglishFamily[] = {
    "Smith",  "Johnson", "Williams", "Brown",  "Jones",  "Miller",
    "Davis",  "Wilson",  "Taylor",   "Clarke", "Walker", "Wright",
    "Turner", "Hughes",  "Edwards",  "Green",  "Baker",  "Hall",
};

struct Place {
  const char* country;
  const char* region;
  const char* city;
  const char* postal_code;
  const char* currency;
};
constexpr Place kChinaPlaces[] = {
    {"CN", "上海市", "上海", "200000", "CNY"},
    {"CN", "北京市", "北京", "100000", "CNY"},
    {"CN", "广东省", "广州", "510000", "CNY"},
    {"CN", "广东省", "深圳", "518000", "CNY"},
    {"CN", "浙江省", "杭州", "310000", "CNY"},
    {"CN", "四川省", "成都", "610000", "CNY"},
    {"CN", "江苏省", "南京", "210000", "CNY"},
    {"CN", "湖北省", "武汉", "430000", "CNY"},
};
constexpr Place kOtherPlaces[] = {
    {"US", "WA", "Seattle", "98101", "USD"},
    {"US", "CA", "San Francisco", "94105", "USD"},
    {"GB", "England", "London", "SW1A 1AA", "GBP"},
    {"SG", "Singapore", "Singapore", "018956", "SGD"},
    {"HK", "Hong Kong", "Hong Kong", "", "HKD"},
};
constexpr const char* kStreets[] = {"南京西路", "长安街", "天河路", "科技园路",
                                    "文三路",   "春熙路", "中山路", "解放大道"};
constexpr const char* kEmailDomains[] = {"example.com", "example.cn",
                                         "example.net", "example.org"};
constexpr const char* kMobilePrefixes[] = {"130", "135", "136", "138", "139",
                                           "150", "158", "186", "188", "199"};

// Channel, its external-identity channel and its share of new customers.
struct Channel {
  const char* name;
  const char* identity;
  double weight;
};
constexpr Channel kChannels[] = {
    {"web", "web_cookie", 0.28},          {"app", "app_user", 0.25},
    {"store", "store_card", 0.20},        {"wechat", "wechat_openid", 0.20},
    {"call_center", "call_center", 0.07},
};

struct Product {
  const char* sku;
  const char* name;
  const char* category;
  double price;  // Typical unit price in CNY.
};
constexpr Product kProducts[] = {
    {"SKU-TEA-001", "西湖龙井 250g", "beverages", 168},
    {"SKU-TEA-002", "Earl Grey Tea 100g", "beverages", 58},
    {"SKU-COF-001", "挂耳咖啡 20袋", "beverages", 89},
    {"SKU-SNK-001", "坚果礼盒", "snacks", 129},
    {"SKU-SNK-002", "月饼礼盒", "snacks", 238},
    {"SKU-SKN-001", "保湿面霜 50ml", "skincare", 329},
    {"SKU-SKN-002", "Sunscreen SPF50", "skincare", 149},
    {"SKU-APP-001", "羽绒服", "apparel", 899},
    {"SKU-APP-002", "T-shirt", "apparel", 99},
    {"SKU-APP-003", "运动鞋", "apparel", 599},
    {"SKU-ELE-001", "蓝牙耳机", "electronics", 499},
    {"SKU-ELE-002", "Smart Watch", "electronics", 1599},
    {"SKU-HOM-001", "香薰蜡烛", "home", 79},
    {"SKU-HOM-002", "真丝枕套", "home", 269},
    {"SKU-GFT-001", "新年礼盒", "gifts", 388},
};
constexpr const char* kTags[] = {"vip",     "newsletter", "student",
                                 "family",  "gift_buyer", "early_adopter",
                                 "tea_fan", "会员"};

template <typename T, size_t N>
const T& Pick(DemoRandom& rng, const T (&items)[N]) {
  return items[rng.Below(N)];
}

const Channel& PickChannel(DemoRandom& rng) {
  double x = rng.Uniform();
  for (const Channel& channel : kChannels) {
    if (x < channel.weight) return channel;
    x -= channel.weight;
  }
  return kChannels[0];
}

std::string Digits(DemoRandom& rng, int count) {
  std::string digits;
  for (int i = 0; i < count; ++i)
    digits += static_cast<char>('0' + rng.Below(10));
  return digits;
}

std::string IdentityValue(DemoRandom& rng, absl::string_view identity) {
  if (identity == "wechat_openid") return absl::StrCat("o", Digits(rng, 27));
  if (identity == "store_card") return absl::StrCat("SC", Digits(rng, 10));
  if (identity == "call_center") return absl::StrCat("CC", Digits(rng, 8));
  if (identity == "app_user") return absl::StrCat("u", Digits(rng, 12));
  return absl::StrCat("ck", Digits(rng, 16));
}

// Relative order volume of a day: Singles' Day, 618, Double 12, Chinese New
// Year (store gifts up, deliveries pause), summer, weekends.
double DayWeight(absl::CivilDay day) {
  const int month = day.month();
  const int d = day.day();
  double weight = 1.0;
  if (month == 11 && d == 11)
    weight = 9.0;
  else if (month == 11 && d >= 1 && d <= 10)
    weight = 1.8;
  else if (month == 6 && d == 18)
    weight = 5.0;
  else if (month == 6 && d >= 10 && d <= 17)
    weight = 1.5;
  else if (month == 12 && d == 12)
    weight = 3.0;
  else if (month == 12 && d >= 20)
    weight = 1.6;  // Christmas, year end.
  else if (month == 7 || month == 8)
    weight = 1.25;
  // Chinese New Year: the run-up (gifts) and the holiday week itself.
  struct Date {
    int year, month, day;
  };
  static constexpr Date kNewYears[] = {
      {2024, 2, 10}, {2025, 1, 29}, {2026, 2, 17}, {2027, 2, 6}};
  for (const Date& ny : kNewYears) {
    const int64_t offset = day - absl::CivilDay(ny.year, ny.month, ny.day);
    if (offset >= -14 && offset < 0) weight *= 1.7;
    if (offset >= 0 && offset < 7) weight *= 0.45;
  }
  absl::Weekday weekday = absl::GetWeekday(day);
  if (weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday) {
    weight *= 1.15;
  }
  return weight;
}

// Samples days from DayWeight over [first, first + count).
class DaySampler {
 public:
  DaySampler(absl::CivilDay first, int count) : first_(first) {
    double total = 0;
    for (int i = 0; i < count; ++i) {
      total += DayWeight(first + i);
      cumulative_.push_back(total);
    }
  }
  absl::CivilDay Sample(DemoRandom& rng) const {
    double x = rng.Uniform() * cumulative_.back();
    auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
    int64_t index = std::min<int64_t>(
        it - cumulative_.begin(), static_cast<int64_t>(cumulative_.size()) - 1);
    return first_ + index;
  }

 private:
  absl::CivilDay first_;
  std::vector<double> cumulative_;
};

void SetTime(absl::CivilSecond civil, google::protobuf::Timestamp* timestamp) {
  absl::Time time = absl::FromCivil(civil, absl::UTCTimeZone());
  timestamp->set_seconds(absl::ToUnixSeconds(time));
  timestamp->set_nanos(0);
}

// A daytime moment of `day` (UTC+8 shopping hours mapped to UTC).
absl::CivilSecond MomentOf(DemoRandom& rng, absl::CivilDay day) {
  // 09:00-23:00 Beijing time = 01:00-15:00 UTC.
  return absl::CivilSecond(
      day.year(), day.month(), day.day(), 1 + static_cast<int>(rng.Below(14)),
      static_cast<int>(rng.Below(60)), static_cast<int>(rng.Below(60)));
}

struct Person {
  bool chinese = true;
  std::string given, family, given_latin, family_latin;
  std::string email, phone, birth_date;
  const Place* place = nullptr;
  const Channel* channel = nullptr;
  double spend_scale = 1;  // Per-customer multiplier of order values.
  int order_count = 0;
};

std::string ChinaMobile(DemoRandom& rng) {
  return absl::StrCat("+86", Pick(rng, kMobilePrefixes), Digits(rng, 8));
}

Person MakePerson(DemoRandom& rng, int index) {
  Person p;
  p.chinese = rng.Chance(0.72);
  if (p.chinese) {
    const Romanized& family = Pick(rng, kChineseFamily);
    const Romanized& given = Pick(rng, kChineseGiven);
    p.family = family.text;
    p.given = given.text;
    p.family_latin = family.latin;
    p.given_latin = given.latin;
    p.place = &Pick(rng, kChinaPlaces);
  } else {
    p.given = Pick(rng, kEnglishGiven);
    p.family = Pick(rng, kEnglishFamily);
    p.given_latin = p.given;
    p.family_latin = p.family;
    p.place =
        rng.Chance(0.35) ? &Pick(rng, kChinaPlaces) : &Pick(rng, kOtherPlaces);
  }
  if (rng.Chance(0.85)) {
    p.email = absl::StrCat(p.given_latin, ".", p.family_latin, index, "@",
                           Pick(rng, kEmailDomains));
    // Mixed case and stray spaces, which standardisation cleans up.
    if (rng.Chance(0.15)) p.email = absl::StrCat("  ", p.email, " ");
  }
  // Phones are Chinese mobiles (random, so accidental matches are
  // negligible; the fictional-number ranges abroad are too small to avoid
  // unintended resolution). Customers abroad have one 40% of the time.
  if (rng.Chance(0.8) &&
      (absl::string_view(p.place->country) == "CN" || rng.Chance(0.4))) {
    std::string number = ChinaMobile(rng);
    // Some numbers as people type them: "138 0013 8000".
    if (rng.Chance(0.3)) {
      number = absl::StrCat(number.substr(3, 3), " ", number.substr(6, 4), " ",
                            number.substr(10));
    }
    p.phone = number;
  }
  if (rng.Chance(0.75)) {
    absl::CivilDay birth =
        absl::CivilDay(1960, 1, 1) + static_cast<int64_t>(rng.Below(45 * 365));
    p.birth_date = absl::StrFormat("%04d-%02d-%02d", birth.year(),
                                   birth.month(), birth.day());
  }
  p.channel = &PickChannel(rng);
  p.spend_scale = rng.LogNormal(0.0, 0.55);
  // Order counts: many one-off buyers, a long tail of regulars.
  double u = rng.Uniform();
  if (u < 0.25) {
    p.order_count = 0;
  } else if (u < 0.55) {
    p.order_count = 1;
  } else {
    p.order_count =
        std::min(40, 1 + static_cast<int>(std::floor(rng.LogNormal(1.0, 0.8))));
  }
  return p;
}

v1::Customer CustomerOf(DemoRandom& rng, const Person& p) {
  v1::Customer c;
  c.set_given_name(p.given);
  c.set_family_name(p.family);
  if (!p.chinese) c.set_display_name(absl::StrCat(p.given, " ", p.family));
  c.set_email(p.email);
  c.set_phone(p.phone);
  c.set_birth_date(p.birth_date);
  double g = rng.Uniform();
  c.set_gender(g < 0.48   ? v1::Customer::FEMALE
               : g < 0.94 ? v1::Customer::MALE
               : g < 0.96 ? v1::Customer::OTHER
                          : v1::Customer::GENDER_UNSPECIFIED);
  c.set_locale(p.chinese                                     ? "zh-CN"
               : absl::string_view(p.place->country) == "GB" ? "en-GB"
                                                             : "en-US");
  v1::PostalAddress* address = c.mutable_address();
  address->set_country_code(p.place->country);
  address->set_region(p.place->region);
  address->set_city(p.place->city);
  address->set_postal_code(p.place->postal_code);
  if (absl::string_view(p.place->country) == "CN" && rng.Chance(0.6)) {
    address->set_address_line(
        absl::StrCat(Pick(rng, kStreets), 1 + rng.Below(999), "号"));
  }
  int tags = static_cast<int>(rng.Below(3));
  for (int i = 0; i < tags; ++i) c.add_tags(Pick(rng, kTags));
  c.set_source_channel(p.channel->name);
  v1::ExternalIdentity* identity = c.add_external_identities();
  identity->set_channel(p.channel->identity);
  identity->set_id(IdentityValue(rng, p.channel->identity));
  if (!p.email.empty()) {
    v1::Consent* consent = c.add_consents();
    consent->set_purpose(v1::Consent::EMAIL_MARKETING);
    consent->set_status(rng.Chance(0.6)   ? v1::Consent::GRANTED
                        : rng.Chance(0.8) ? v1::Consent::DENIED
                                          : v1::Consent::REVOKED);
    consent->set_source(absl::StrCat(p.channel->name, "_signup"));
  }
  if (rng.Chance(0.3)) {
    (*c.mutable_attributes())["preferred_store"] =
        absl::StrCat("store-", 1 + rng.Below(20));
  }
  return c;
}

void SetMoney(const std::string& currency, int64_t minor,
              crm::type::v1::Money* money) {
  money->set_currency_code(currency);
  money->set_amount_minor(minor);
}

// Converts a CNY price to `currency` minor units (rough fixed rates).
int64_t PriceIn(const std::string& currency, double cny) {
  double rate = 1.0;
  if (currency == "USD") rate = 0.14;
  if (currency == "GBP") rate = 0.11;
  if (currency == "SGD") rate = 0.19;
  if (currency == "HKD") rate = 1.09;
  return std::max<int64_t>(
      1, static_cast<int64_t>(std::llround(cny * rate * 100)));
}

}  // namespace

DemoPlan GenerateDemoPlan(const DemoOptions& options) {
  DemoRandom rng(options.seed);
  DemoPlan plan;
  const std::string prefix = absl::StrCat("demo-", options.seed);
  const int n = std::max(0, options.customers);
  std::vector<Person> people;
  people.reserve(n);

  for (int i = 0; i < n; ++i) {
    Person person = MakePerson(rng, i);
    DemoCustomerWrite write;
    *write.request.mutable_customer() = CustomerOf(rng, person);
    write.request.set_request_id(absl::StrCat(prefix, "-c-", i));
    plan.customers.push_back(std::move(write));
    people.push_back(std::move(person));
  }

  // Look-alikes: same name and birth date, other contact data and channel.
  const int lookalikes = n / 50;
  for (int k = 0; k < lookalikes && n > 0; ++k) {
    int original = static_cast<int>(rng.Below(n));
    Person twin = MakePerson(rng, n + k);
    const Person& base = people[original];
    twin.chinese = base.chinese;
    twin.given = base.given;
    twin.family = base.family;
    twin.given_latin = base.given_latin;
    twin.family_latin = base.family_latin;
    twin.birth_date = base.birth_date.empty() ? "1988-08-08" : base.birth_date;
    twin.place = base.place;
    DemoCustomerWrite write;
    *write.request.mutable_customer() = CustomerOf(rng, twin);
    write.request.set_request_id(absl::StrCat(prefix, "-c-", n + k));
    plan.customers.push_back(std::move(write));
    people.push_back(std::move(twin));
  }

  // Resolution writes: a known person seen in another channel with the same
  // email (or phone when there is no email).
  const int resolutions = n / 25;
  for (int k = 0; k < resolutions && n > 0; ++k) {
    int target = static_cast<int>(rng.Below(n));
    const Person& person = people[target];
    if (person.email.empty() && person.phone.empty()) continue;
    const Channel* channel = &PickChannel(rng);
    if (channel == person.channel)
      channel = &kChannels[(channel - kChannels + 1) % 5];
    v1::Customer c;
    if (!person.email.empty()) {
      // Same address, written differently: standardisation must match it.
      std::string email = person.email;
      for (char& ch : email) ch = static_cast<char>(std::toupper(ch));
      c.set_email(email);
    } else {
      c.set_phone(person.phone);
    }
    c.set_given_name(person.given);
    c.set_family_name(person.family);
    c.set_source_channel(channel->name);
    v1::ExternalIdentity* identity = c.add_external_identities();
    identity->set_channel(channel->identity);
    identity->set_id(IdentityValue(rng, channel->identity));
    DemoCustomerWrite write;
    *write.request.mutable_customer() = std::move(c);
    write.request.set_request_id(absl::StrCat(prefix, "-r-", k));
    write.target = target;
    plan.resolution_writes.push_back(std::move(write));
  }

  // Orders over two years.
  const int kDays = 730;
  const absl::CivilDay first_day = options.end_day - kDays;
  DaySampler days(first_day, kDays);
  for (int i = 0; i < static_cast<int>(people.size()); ++i) {
    const Person& person = people[i];
    const std::string currency = person.place->currency;
    for (int k = 0; k < person.order_count; ++k) {
      DemoOrder demo;
      demo.customer = i;
      v1::Order& order = demo.order;
      const Channel& channel =
          rng.Chance(0.6) ? *person.channel : PickChannel(rng);
      order.set_channel(channel.name);
      order.set_channel_order_id(absl::StrCat(prefix, "-o-", i, "-", k));
      if (absl::string_view(channel.name) == "store") {
        order.set_store_id(absl::StrCat("store-", 1 + rng.Below(20)));
      }
      SetTime(MomentOf(rng, days.Sample(rng)), order.mutable_order_time());
      int lines = 1 + static_cast<int>(rng.Below(3));
      int64_t total = 0;
      for (int l = 0; l < lines; ++l) {
        const Product& product = Pick(rng, kProducts);
        v1::OrderLineItem* item = order.add_line_items();
        item->set_sku(product.sku);
        item->set_product_name(product.name);
        item->set_category(product.category);
        int64_t quantity = rng.Chance(0.8) ? 1 : 2 + rng.Below(3);
        item->set_quantity(quantity);
        // Long-tailed price paid: the product's price, the customer's
        // spending level and a per-line discount/upgrade factor.
        double price =
            product.price * person.spend_scale * rng.LogNormal(-0.35, 0.35);
        int64_t unit = PriceIn(currency, price);
        SetMoney(currency, unit, item->mutable_unit_price());
        total += unit * quantity;
      }
      SetMoney(currency, total, order.mutable_amount());
      plan.orders.push_back(std::move(demo));
    }
  }

  // Refunds: about 3% of orders, a third of them partial.
  for (int o = 0; o < static_cast<int>(plan.orders.size()); ++o) {
    if (!rng.Chance(0.03)) continue;
    DemoRefund refund;
    refund.order = o;
    refund.request.set_refund_id(absl::StrCat(prefix, "-refund-", o));
    const v1::Order& order = plan.orders[o].order;
    if (rng.Chance(0.33) && order.amount().amount_minor() > 1) {
      SetMoney(order.amount().currency_code(),
               std::max<int64_t>(1, order.amount().amount_minor() / 3),
               refund.request.mutable_amount());
      refund.request.set_reason("partial return");
    } else {
      refund.request.set_reason(rng.Chance(0.5) ? "damaged in transit"
                                                : "changed mind");
    }
    plan.refunds.push_back(std::move(refund));
  }

  // Interaction events: a handful per customer in their channels.
  for (int i = 0; i < static_cast<int>(people.size()); ++i) {
    const Person& person = people[i];
    int count =
        static_cast<int>(rng.Below(4 + 2 * std::min(person.order_count, 5)));
    for (int k = 0; k < count; ++k) {
      DemoEvent demo;
      demo.customer = i;
      v1::InteractionEvent& event = demo.event;
      event.set_event_id(absl::StrCat(prefix, "-e-", i, "-", k));
      const Channel& channel =
          rng.Chance(0.7) ? *person.channel : PickChannel(rng);
      absl::string_view name = channel.name;
      event.set_channel(channel.name);
      if (name == "web") {
        event.set_type(v1::InteractionEvent::PAGE_VIEW);
        (*event.mutable_properties())["path"] =
            absl::StrCat("/products/", Pick(rng, kProducts).sku);
      } else if (name == "app") {
        event.set_type(v1::InteractionEvent::APP_OPEN);
      } else if (name == "store") {
        event.set_type(v1::InteractionEvent::STORE_VISIT);
        (*event.mutable_properties())["store_id"] =
            absl::StrCat("store-", 1 + rng.Below(20));
      } else if (name == "call_center") {
        event.set_type(v1::InteractionEvent::CALL);
        (*event.mutable_properties())["topic"] =
            rng.Chance(0.5) ? "delivery" : "membership";
      } else if (rng.Chance(0.5)) {
        event.set_type(v1::InteractionEvent::CUSTOM);
        event.set_custom_type("wechat.mini_program_open");
      } else {
        event.set_type(v1::InteractionEvent::EMAIL_OPEN);
        event.set_channel("email");
      }
      SetTime(MomentOf(rng, days.Sample(rng)), event.mutable_event_time());
      plan.events.push_back(std::move(demo));
    }
  }
  return plan;
}

namespace {

void HashMessage(const google::protobuf::Message& message, uint64_t* hash) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  for (unsigned char c : bytes) {
    *hash ^= c;
    *hash *= 0x100000001b3ULL;
  }
  // Separator so that message boundaries count.
  *hash ^= 0xff;
  *hash *= 0x100000001b3ULL;
}

}  // namespace

uint64_t PlanFingerprint(const DemoPlan& plan) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const auto& w : plan.customers) HashMessage(w.request, &hash);
  for (const auto& w : plan.resolution_writes) HashMessage(w.request, &hash);
  for (const auto& o : plan.orders) HashMessage(o.order, &hash);
  for (const auto& r : plan.refunds) HashMessage(r.request, &hash);
  for (const auto& e : plan.events) HashMessage(e.event, &hash);
  return hash;
}

}  // namespace crm::tools
