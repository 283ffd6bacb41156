#include "config/values.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include <arpa/inet.h>

#include "common/strings.h"

namespace bulwark::config {
namespace {

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

bool isAlnum(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Digits only, no sign, at most `max`; a leading '+' or '-' or any space is refused.
std::optional<uint32_t> parseSmallNumber(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 10) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : text) {
    if (!isDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > max) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

bool isIpv4(std::string_view text) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

bool isIpv6(std::string_view text) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}

bool looksLikeIpv4(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) { return isDigit(c) || c == '.'; });
}

// A DNS name or a literal IPv4 address. Dotted digits must be a real IPv4 address, so that
// `10.0.0.256` is refused here rather than looked up as a name at run time.
bool validPlainHost(std::string_view host, std::string& why) {
  if (host.empty()) {
    why = "the host is empty";
    return false;
  }
  if (looksLikeIpv4(host)) {
    if (!isIpv4(host)) {
      why = "'" + std::string(host) + "' is not a valid IPv4 address";
      return false;
    }
    return true;
  }
  for (char c : host) {
    if (!isAlnum(c) && c != '-' && c != '.' && c != '_') {
      why = "'" + std::string(host) + "' is not a valid host name";
      return false;
    }
  }
  return true;
}

// True when any bit of `bytes` past the first `prefix` bits is set.
bool hasHostBits(const unsigned char* bytes, size_t size, uint32_t prefix) {
  for (size_t bit = prefix; bit < size * 8; ++bit) {
    if ((bytes[bit / 8] >> (7 - bit % 8)) & 1U) {
      return true;
    }
  }
  return false;
}

} // namespace

std::optional<uint16_t> parsePort(std::string_view text, PortRule rule) {
  auto port = parseSmallNumber(text, 65535);
  if (!port || (*port == 0 && rule == PortRule::NonZero)) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(*port);
}

std::optional<Address> parseAddress(std::string_view text, PortRule rule, std::string& why) {
  Address address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      why = "expected [v6-address]:port";
      return std::nullopt;
    }
    address.host = std::string(text.substr(1, close - 1));
    if (!isIpv6(address.host)) {
      why = "'" + address.host + "' is not a valid IPv6 address";
      return std::nullopt;
    }
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = "expected host:port";
      return std::nullopt;
    }
    if (text.find(':') != colon) {
      why = "an IPv6 address needs brackets: [v6-address]:port";
      return std::nullopt;
    }
    address.host = std::string(text.substr(0, colon));
    if (!validPlainHost(address.host, why)) {
      return std::nullopt;
    }
    port_text = text.substr(colon + 1);
  }

  auto port = parsePort(port_text, rule);
  if (!port) {
    why = rule == PortRule::NonZero ? "the port must be 1-65535" : "the port must be 0-65535";
    return std::nullopt;
  }
  address.port = *port;
  return address;
}

bool checkCidr(std::string_view text, std::string& why, bool& host_bits) {
  host_bits = false;
  const size_t slash = text.find('/');
  const std::string addr(text.substr(0, slash));
  const bool v6 = addr.find(':') != std::string::npos;
  const uint32_t max_prefix = v6 ? 128 : 32;

  std::array<unsigned char, 16> bytes{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), bytes.data()) != 1) {
    why = "'" + addr + "' is not a valid " + (v6 ? "IPv6" : "IPv4") + " address";
    return false;
  }
  if (slash == std::string_view::npos) {
    return true;
  }
  auto prefix = parseSmallNumber(text.substr(slash + 1), max_prefix);
  if (!prefix) {
    why = "the prefix length must be 0-" + std::to_string(max_prefix);
    return false;
  }
  host_bits = hasHostBits(bytes.data(), v6 ? 16 : 4, *prefix);
  return true;
}

std::optional<std::string> normalizeConfigHost(std::string_view host) {
  std::string out = toLowerAscii(host);
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  if (out.empty()) {
    return std::nullopt;
  }
  for (char c : out) {
    if (!isAlnum(c) && c != '-' && c != '.' && c != '_') {
      return std::nullopt;
    }
  }
  return out;
}

bool isValidName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(),
                                      [](char c) { return isAlnum(c) || c == '-' || c == '_'; });
}

size_t editDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus adjacent swaps, so `adress` and `addrses` both
  // count as near misses of `address`. Config keys are short; three rows are plenty.
  std::vector<size_t> before(b.size() + 1);
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    previous[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string_view closestMatch(std::string_view word, std::span<const std::string_view> candidates,
                              size_t max_distance) {
  std::string_view best;
  size_t best_distance = max_distance + 1;
  for (std::string_view candidate : candidates) {
    const size_t distance = editDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string joinNames(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += name;
  }
  return out;
}

} // namespace bulwark::config
