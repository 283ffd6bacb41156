// Rule headers (addresses, ports, variables), classification.config and the small text helpers
// the other rule_*.cc files share.

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>

#include "rules/rule_parser.h"
#include "rules/rule_parser_internal.h"

namespace bulwark::rules {

RuleVariables RuleVariables::defaults() {
  RuleVariables v;
  // Both sides are `any`: see the header. EXTERNAL_NET is not "!$HOME_NET" as in suricata.yaml,
  // because with HOME_NET any that would match nothing and every inbound rule would be dead.
  v.addresses = {
      {"HOME_NET", "any"},
      {"EXTERNAL_NET", "any"},
      {"HTTP_SERVERS", "$HOME_NET"},
      {"SMTP_SERVERS", "$HOME_NET"},
      {"SQL_SERVERS", "$HOME_NET"},
      {"DNS_SERVERS", "$HOME_NET"},
      {"TELNET_SERVERS", "$HOME_NET"},
      {"AIM_SERVERS", "$EXTERNAL_NET"},
      {"DC_SERVERS", "$HOME_NET"},
      {"DNP3_SERVER", "$HOME_NET"},
      {"DNP3_CLIENT", "$HOME_NET"},
      {"MODBUS_CLIENT", "$HOME_NET"},
      {"MODBUS_SERVER", "$HOME_NET"},
      {"ENIP_CLIENT", "$HOME_NET"},
      {"ENIP_SERVER", "$HOME_NET"},
  };
  v.ports = {
      {"HTTP_PORTS", "any"},
      {"SHELLCODE_PORTS", "!80"},
      {"ORACLE_PORTS", "1521"},
      {"SSH_PORTS", "22"},
      {"DNP3_PORTS", "20000"},
      {"MODBUS_PORTS", "502"},
      {"FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
      {"FTP_PORTS", "21"},
      {"GENEVE_PORTS", "6081"},
      {"VXLAN_PORTS", "4789"},
      {"TEREDO_PORTS", "3544"},
  };
  return v;
}

ClassificationTable parseClassifications(std::string_view text) {
  constexpr std::string_view kPrefix = "config classification:";
  ClassificationTable table;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = detail::trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.substr(0, kPrefix.size()) != kPrefix) {
      continue;
    }

    // name,description,priority: the description may not hold a comma in Suricata either.
    std::string_view rest = line.substr(kPrefix.size());
    size_t first = rest.find(',');
    size_t last = rest.rfind(',');
    if (first == std::string_view::npos || first == last) {
      continue;
    }
    auto priority = detail::parseUnsigned(rest.substr(last + 1), 255);
    std::string_view name = detail::trim(rest.substr(0, first));
    if (!priority || name.empty()) {
      continue;
    }
    Classification c{std::string(name),
                     std::string(detail::trim(rest.substr(first + 1, last - first - 1))),
                     static_cast<uint32_t>(*priority)};
    table[c.name] = std::move(c);
  }
  return table;
}

} // namespace bulwark::rules

namespace bulwark::rules::detail {

namespace {

// Unsupported reasons from most to least telling; a rule is counted under the first that holds.
int unsupportedRank(std::string_view reason) {
  constexpr std::string_view kOrder[] = {"protocol",        "response_side",
                                         "packet_keyword",  "unsupported_keyword",
                                         "payload_content", "no_inspection_buffer"};
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    if (kOrder[i] == reason) {
      return static_cast<int>(i);
    }
  }
  return static_cast<int>(std::size(kOrder));
}

// Variables may refer to variables; a chain this deep is a loop.
constexpr int kMaxVariableDepth = 16;

// Splits "[a,[b,c],d]" (brackets already removed) at top-level commas.
std::vector<std::string_view> splitList(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') {
      ++depth;
    } else if (text[i] == ']') {
      --depth;
    } else if (text[i] == ',' && depth == 0) {
      parts.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim(text.substr(start)));
  return parts;
}

bool isIpAddress(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// "10.0.0.0/8", "10.0.0.0/255.0.0.0", "2001:db8::/32", "10.0.0.1-10.0.0.9" or one address.
bool isAddressLiteral(std::string_view text) {
  size_t dash = text.find('-');
  if (dash != std::string_view::npos) {
    return isIpAddress(text.substr(0, dash)) && isIpAddress(text.substr(dash + 1));
  }
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return isIpAddress(text);
  }
  std::string_view address = text.substr(0, slash);
  std::string_view mask = text.substr(slash + 1);
  if (!isIpAddress(address)) {
    return false;
  }
  bool v6 = address.find(':') != std::string_view::npos;
  return parseUnsigned(mask, v6 ? 128 : 32).has_value() || (!v6 && isIpAddress(mask));
}

// The shared walk over `!`, `[...]`, `$VAR` and `any` for addresses and ports. `literal` is
// called for each plain element with its negation and returns false when it is malformed.
template <typename Literal> class GroupWalker {
public:
  GroupWalker(const std::map<std::string, std::string>& variables, std::string_view what,
              RuleIssues& issues, Literal literal)
      : variables_(variables), what_(what), issues_(issues), literal_(literal) {}

  bool sawAny() const noexcept { return saw_any_; }

  bool walk(std::string_view text, bool negated, int depth) {
    text = trim(text);
    if (depth > kMaxVariableDepth) {
      issues_.error("syntax", std::string(what_) + " variables refer to each other in a loop");
      return false;
    }
    if (!text.empty() && text[0] == '!') {
      return walk(text.substr(1), !negated, depth);
    }
    if (!text.empty() && text[0] == '[') {
      if (text.back() != ']') {
        issues_.error("syntax", "unclosed '[' in " + std::string(what_) + " " + std::string(text));
        return false;
      }
      for (std::string_view part : splitList(text.substr(1, text.size() - 2))) {
        if (!walk(part, negated, depth)) {
          return false;
        }
      }
      return true;
    }
    if (!text.empty() && text[0] == '$') {
      return walkVariable(text.substr(1), negated, depth);
    }
    if (text == "any") {
      if (negated && depth > 0) {
        // "!$HTTP_PORTS" with HTTP_PORTS any: the rule is about traffic the gateway never sees.
        issues_.unsupported("protocol", "!$" + variable_ + " excludes every " + std::string(what_) +
                                            ": the rule can never match");
        return false;
      }
      if (negated) {
        issues_.error("syntax", "!any in " + std::string(what_) + " matches nothing");
        return false;
      }
      saw_any_ = true;
      return true;
    }
    if (text.empty() || !literal_(text, negated)) {
      issues_.error("syntax", "bad " + std::string(what_) + " '" + std::string(text) + "'");
      return false;
    }
    return true;
  }

private:
  bool walkVariable(std::string_view name, bool negated, int depth) {
    auto it = variables_.find(std::string(name));
    if (it == variables_.end()) {
      issues_.error("undefined_variable",
                    std::string(what_) + " variable $" + std::string(name) + " is not defined");
      return false;
    }
    if (depth == 0) {
      variable_ = std::string(name);
    }
    return walk(it->second, negated, depth + 1);
  }

  const std::map<std::string, std::string>& variables_;
  std::string_view what_;
  RuleIssues& issues_;
  Literal literal_;
  bool saw_any_ = false;
  std::string variable_; // the variable named in the rule, for messages
};

// `any` in a union makes every positive element redundant; only the exclusions remain.
template <typename Range> void dropPositivesIfAny(std::vector<Range>& ranges, bool saw_any) {
  if (!saw_any) {
    return;
  }
  std::erase_if(ranges, [](const Range& r) { return !r.negated; });
}

} // namespace

void RuleIssues::error(std::string_view reason, std::string detail) {
  if (hasError()) {
    return;
  }
  severity_ = RuleProblem::Severity::Error;
  rank_ = -1;
  reason_ = reason;
  detail_ = std::move(detail);
}

void RuleIssues::unsupported(std::string_view reason, std::string detail) {
  int rank = unsupportedRank(reason);
  if (hasError() || rank >= rank_) {
    return;
  }
  rank_ = rank;
  reason_ = reason;
  detail_ = std::move(detail);
}

bool isSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && isSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

bool escapedAt(std::string_view text, size_t pos) noexcept {
  size_t backslashes = 0;
  while (pos > 0 && text[pos - 1] == '\\') {
    ++backslashes;
    --pos;
  }
  return backslashes % 2 == 1;
}

std::optional<uint64_t> parseUnsigned(std::string_view text, uint64_t max) {
  text = trim(text);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> parseSigned(std::string_view text, int64_t min, int64_t max) {
  text = trim(text);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

void parseAddresses(std::string_view text, const RuleVariables& variables, AddressSpec& out,
                    RuleIssues& issues) {
  auto literal = [&out](std::string_view value, bool negated) {
    if (!isAddressLiteral(value)) {
      return false;
    }
    out.ranges.push_back({std::string(value), negated});
    return true;
  };
  GroupWalker walker(variables.addresses, "address", issues, literal);
  if (walker.walk(text, false, 0)) {
    dropPositivesIfAny(out.ranges, walker.sawAny());
  }
}

void parsePorts(std::string_view text, const RuleVariables& variables, PortSpec& out,
                RuleIssues& issues) {
  // "80", "1024:", ":80", "80:90".
  auto literal = [&out](std::string_view value, bool negated) {
    PortSpec::Range range;
    range.negated = negated;
    size_t colon = value.find(':');
    std::string_view lo = colon == std::string_view::npos ? value : value.substr(0, colon);
    std::string_view hi = colon == std::string_view::npos ? value : value.substr(colon + 1);
    auto low = lo.empty() ? std::optional<uint64_t>(0) : parseUnsigned(lo, 65535);
    auto high = hi.empty() ? std::optional<uint64_t>(65535) : parseUnsigned(hi, 65535);
    if (!low || !high || *low > *high) {
      return false;
    }
    range.lo = static_cast<uint16_t>(*low);
    range.hi = static_cast<uint16_t>(*high);
    out.ranges.push_back(range);
    return true;
  };
  GroupWalker walker(variables.ports, "port", issues, literal);
  if (walker.walk(text, false, 0)) {
    dropPositivesIfAny(out.ranges, walker.sawAny());
  }
}

} // namespace bulwark::rules::detail
