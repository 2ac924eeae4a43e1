#include "services/common/config.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crm::common {
namespace {

// An option whose default is a boolean literal is a boolean flag: `--flag`
// alone means true.
bool IsBoolOption(const ConfigOption& option) {
  std::string value = absl::AsciiStrToLower(option.default_value);
  return value == "true" || value == "false";
}

bool IsBoolLiteral(absl::string_view text) {
  std::string value = absl::AsciiStrToLower(text);
  return value == "true" || value == "false" || value == "1" || value == "0";
}

bool IsHelpFlag(absl::string_view arg) {
  return arg == "--help" || arg == "-h" || arg == "-help";
}

const ConfigOption* FindOption(const std::vector<ConfigOption>& options,
                               absl::string_view flag) {
  for (const ConfigOption& option : options) {
    if (option.flag == flag) return &option;
  }
  return nullptr;
}

std::string Usage(const std::string& program,
                  const std::vector<ConfigOption>& options) {
  std::string out = absl::StrCat("Usage: ", program, " [--flag=value ...]\n\n",
                                 "Flags (environment fallback in brackets):\n");
  for (const ConfigOption& option : options) {
    absl::StrAppend(&out, "  --", option.flag);
    if (!option.env.empty()) absl::StrAppend(&out, " [", option.env, "]");
    if (option.required) absl::StrAppend(&out, " (required)");
    if (!option.default_value.empty()) {
      absl::StrAppend(&out, " (default ",
                      option.secret ? "<set>" : option.default_value, ")");
    }
    absl::StrAppend(&out, "\n      ", option.help, "\n");
  }
  absl::StrAppend(&out, "  --help\n      Print this message and exit.\n");
  return out;
}

// How a bad value appears in an error message: quoted, or masked if secret.
std::string ShownValue(const std::vector<ConfigOption>& options,
                       absl::string_view flag, absl::string_view value) {
  const ConfigOption* option = FindOption(options, flag);
  if (option != nullptr && option->secret) return "<secret>";
  return absl::StrCat("\"", value, "\"");
}

}  // namespace

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

absl::StatusOr<Config> Config::Load(const std::vector<ConfigOption>& options,
                                    int argc, const char* const* argv,
                                    const EnvLookup& env) {
  for (size_t i = 0; i < options.size(); ++i) {
    for (size_t j = i + 1; j < options.size(); ++j) {
      if (options[i].flag == options[j].flag) {
        return absl::InvalidArgumentError(
            absl::StrCat("option --", options[i].flag, " declared twice"));
      }
    }
  }

  std::map<std::string, std::string, std::less<>> from_flags;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (IsHelpFlag(arg)) {
      return absl::InvalidArgumentError(
          "--help: usage requested (use Config::LoadOrExit to print it)");
    }
    if (!absl::StartsWith(arg, "--") || arg.size() == 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg,
                       "\": settings are given as --flag=value"));
    }
    arg.remove_prefix(2);
    absl::string_view name = arg;
    std::optional<std::string> value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    const ConfigOption* option = FindOption(options, name);
    if (option == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!value.has_value()) {
      const bool has_next = i + 1 < argc;
      if (IsBoolOption(*option)) {
        if (has_next && IsBoolLiteral(argv[i + 1])) {
          value = argv[++i];
        } else {
          value = "true";
        }
      } else if (has_next && !absl::StartsWith(argv[i + 1], "--")) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
    }
    from_flags[std::string(name)] = *std::move(value);
  }

  Config config;
  config.options_ = options;
  std::vector<std::string> missing;
  for (const ConfigOption& option : options) {
    std::string value = option.default_value;
    bool set = false;
    if (auto it = from_flags.find(option.flag); it != from_flags.end()) {
      value = it->second;
      set = true;
    } else if (!option.env.empty()) {
      // An empty environment variable counts as unset (manifests often
      // declare variables they leave empty).
      std::optional<std::string> from_env = env(option.env);
      if (from_env.has_value() && !from_env->empty()) {
        value = *std::move(from_env);
        set = true;
      }
    }
    if (option.required && (!set || value.empty())) {
      missing.push_back(
          option.env.empty()
              ? absl::StrCat("--", option.flag)
              : absl::StrCat("--", option.flag, " (or env ", option.env, ")"));
    }
    config.values_[option.flag] = std::move(value);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(missing.size() == 1 ? "missing required setting: "
                                         : "missing required settings: ",
                     absl::StrJoin(missing, ", ")));
  }
  return config;
}

Config Config::LoadOrExit(const std::string& program,
                          const std::vector<ConfigOption>& options, int argc,
                          const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    if (IsHelpFlag(argv[i])) {
      std::cout << Usage(program, options) << std::flush;
      std::exit(0);
    }
  }
  absl::StatusOr<Config> config = Load(options, argc, argv);
  if (!config.ok()) {
    std::cerr << program << ": " << config.status().message() << "\n"
              << "Run " << program << " --help for the list of settings.\n"
              << std::flush;
    std::exit(2);
  }
  return *std::move(config);
}

const std::string& Config::GetString(absl::string_view flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) {
    std::fprintf(stderr, "Config: option --%.*s was never declared\n",
                 static_cast<int>(flag.size()), flag.data());
    std::abort();
  }
  return it->second;
}

absl::StatusOr<int> Config::GetInt(absl::string_view flag) const {
  const std::string& value = GetString(flag);
  int result = 0;
  if (!absl::SimpleAtoi(value, &result)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": expected an integer, got ",
                     ShownValue(options_, flag, value)));
  }
  return result;
}

absl::StatusOr<bool> Config::GetBool(absl::string_view flag) const {
  const std::string value = absl::AsciiStrToLower(GetString(flag));
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": expected true or false, got ",
                   ShownValue(options_, flag, GetString(flag))));
}

absl::StatusOr<absl::Duration> Config::GetDuration(
    absl::string_view flag) const {
  const std::string& value = GetString(flag);
  absl::Duration result;
  if (!absl::ParseDuration(value, &result)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": expected a duration such as \"500ms\" or \"5s\", got ",
        ShownValue(options_, flag, value)));
  }
  return result;
}

std::string Config::Describe() const {
  std::vector<std::string> parts;
  parts.reserve(options_.size());
  for (const ConfigOption& option : options_) {
    const std::string& value = values_.at(option.flag);
    if (option.secret) {
      parts.push_back(
          absl::StrCat(option.flag, "=", value.empty() ? "<unset>" : "<set>"));
    } else {
      parts.push_back(absl::StrCat(option.flag, "=", value));
    }
  }
  return absl::StrJoin(parts, " ");
}

}  // namespace crm::common
