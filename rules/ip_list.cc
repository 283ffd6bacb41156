#include "rules/ip_list.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include <arpa/inet.h>

namespace bulwark::rules {
namespace {

constexpr uint64_t kAllOnes = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kMappedPrefix = 0x0000ffffULL; // ::ffff:0:0/96, the low word's upper half

uint64_t loadBigEndian(const uint8_t* bytes) noexcept {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | bytes[i];
  }
  return value;
}

void storeBigEndian(uint64_t value, uint8_t* bytes) noexcept {
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

// The netmask of an IPv6 prefix length 0-128, as two words.
IpAddress prefixMask(unsigned prefix) noexcept {
  IpAddress mask;
  mask.high = prefix >= 64 ? kAllOnes : (prefix == 0 ? 0 : kAllOnes << (64 - prefix));
  mask.low = prefix <= 64 ? 0 : kAllOnes << (128 - prefix);
  return mask;
}

bool hasBitsOutside(const IpAddress& address, const IpAddress& mask) noexcept {
  return (address.high & ~mask.high) != 0 || (address.low & ~mask.low) != 0;
}

// A prefix length in decimal, no sign, no leading zero; nullopt when it is not one.
std::optional<unsigned> parsePrefixLength(std::string_view text) noexcept {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

// The address after `address`; false when `address` is the last one.
bool successor(const IpAddress& address, IpAddress& next) noexcept {
  next = address;
  if (++next.low != 0) {
    return true;
  }
  return ++next.high != 0;
}

// Sorts and joins overlapping or adjacent ranges in place.
void mergeRanges(std::vector<IpRange>& ranges) {
  if (ranges.empty()) {
    return;
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const IpRange& a, const IpRange& b) { return a.first < b.first; });
  size_t out = 0;
  for (size_t i = 1; i < ranges.size(); ++i) {
    IpRange& current = ranges[out];
    IpAddress after;
    const bool touches = ranges[i].first <= current.last ||
                         (successor(current.last, after) && ranges[i].first == after);
    if (touches) {
      current.last = std::max(current.last, ranges[i].last);
    } else {
      ranges[++out] = ranges[i];
    }
  }
  ranges.resize(out + 1);
}

} // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) noexcept {
  // inet_pton wants a C string; the longest valid text form is 45 bytes.
  std::array<char, 64> buffer{};
  if (text.empty() || text.size() >= buffer.size()) {
    return std::nullopt;
  }
  std::memcpy(buffer.data(), text.data(), text.size());

  if (text.find(':') != std::string_view::npos) {
    in6_addr address{};
    if (inet_pton(AF_INET6, buffer.data(), &address) != 1) {
      return std::nullopt;
    }
    return fromIn6(address);
  }
  // glibc's inet_pton refuses octets with leading zeros and fewer than four parts.
  in_addr address{};
  if (inet_pton(AF_INET, buffer.data(), &address) != 1) {
    return std::nullopt;
  }
  return fromIn4(address);
}

IpAddress IpAddress::fromBytes(const uint8_t (&bytes)[16]) noexcept {
  return {loadBigEndian(bytes), loadBigEndian(bytes + 8)};
}

IpAddress IpAddress::fromIn6(const in6_addr& address) noexcept {
  return fromBytes(address.s6_addr);
}

IpAddress IpAddress::fromIn4(const in_addr& address) noexcept {
  return fromV4(ntohl(address.s_addr));
}

IpAddress IpAddress::fromV4(uint32_t host_order) noexcept {
  return {0, (kMappedPrefix << 32) | host_order};
}

bool IpAddress::isV4() const noexcept {
  return high == 0 && (low >> 32) == kMappedPrefix;
}

std::string IpAddress::toString() const {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (isV4()) {
    in_addr v4{};
    v4.s_addr = htonl(static_cast<uint32_t>(low));
    inet_ntop(AF_INET, &v4, text.data(), text.size());
  } else {
    in6_addr v6{};
    storeBigEndian(high, v6.s6_addr);
    storeBigEndian(low, v6.s6_addr + 8);
    inet_ntop(AF_INET6, &v6, text.data(), text.size());
  }
  return text.data();
}

std::optional<IpRange> parseIpRange(std::string_view text, std::string& reason) {
  const size_t slash = text.find('/');
  const std::optional<IpAddress> address = IpAddress::parse(text.substr(0, slash));
  if (!address) {
    reason = "'" + std::string(text.substr(0, slash)) + "' is not an IPv4 or IPv6 address";
    return std::nullopt;
  }
  if (slash == std::string_view::npos) {
    return IpRange{*address, *address};
  }

  // An IPv4 prefix counts from the start of the mapped form, 96 bits in.
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  const unsigned limit = v4 ? 32 : 128;
  const std::optional<unsigned> written = parsePrefixLength(text.substr(slash + 1));
  if (!written || *written > limit) {
    reason = "bad prefix length '" + std::string(text.substr(slash + 1)) + "' (0-" +
             std::to_string(limit) + ")";
    return std::nullopt;
  }
  const IpAddress mask = prefixMask(v4 ? *written + 96 : *written);
  if (hasBitsOutside(*address, mask)) {
    IpAddress network{address->high & mask.high, address->low & mask.low};
    reason = "'" + std::string(text) + "' has bits set after the prefix; write " +
             network.toString() + "/" + std::to_string(*written) +
             " for the network or the address alone for the host";
    return std::nullopt;
  }
  return IpRange{*address, {address->high | ~mask.high, address->low | ~mask.low}};
}

IpSet IpSet::fromText(std::string_view text, std::string_view file_name,
                      std::vector<ListProblem>& problems) {
  try {
    std::vector<IpRange> ranges;
    ranges.reserve(countListLines(text));
    forEachListLine(text, TrailingComments::Allowed, [&](uint32_t line, std::string_view content) {
      if (content.find_first_of(" \t") != std::string_view::npos) {
        problems.push_back(
            {std::string(file_name), line,
             "expected one address or CIDR block a line, got '" + std::string(content) + "'"});
        return;
      }
      std::string reason;
      if (const std::optional<IpRange> range = parseIpRange(content, reason)) {
        ranges.push_back(*range);
      } else {
        problems.push_back({std::string(file_name), line, std::move(reason)});
      }
    });
    return fromRanges(std::move(ranges), file_name);
  } catch (const std::exception& e) {
    problems.push_back({std::string(file_name), 0, std::string("cannot load list: ") + e.what()});
    return {};
  }
}

IpSet IpSet::fromFile(const std::string& path, std::vector<ListProblem>& problems) {
  const std::optional<std::string> text = readListFile(path, problems);
  if (!text) {
    IpSet empty;
    empty.source_ = path;
    return empty;
  }
  return fromText(*text, path, problems);
}

IpSet IpSet::fromCidrs(const std::vector<std::string>& cidrs, std::string_view source,
                       std::vector<ListProblem>& problems) {
  try {
    std::vector<IpRange> ranges;
    ranges.reserve(cidrs.size());
    for (size_t i = 0; i < cidrs.size(); ++i) {
      std::string reason;
      if (const std::optional<IpRange> range = parseIpRange(cidrs[i], reason)) {
        ranges.push_back(*range);
      } else {
        problems.push_back({std::string(source), static_cast<uint32_t>(i + 1), std::move(reason)});
      }
    }
    return fromRanges(std::move(ranges), source);
  } catch (const std::exception& e) {
    problems.push_back({std::string(source), 0, std::string("cannot load list: ") + e.what()});
    return {};
  }
}

IpSet IpSet::fromRanges(std::vector<IpRange> ranges, std::string_view source) {
  mergeRanges(ranges);
  ranges.shrink_to_fit();
  IpSet set;
  set.source_ = std::string(source);
  set.ranges_ = std::move(ranges);
  return set;
}

bool IpSet::contains(const IpAddress& address) const noexcept {
  // The last range starting at or before the address is the only one that can hold it.
  auto after = std::upper_bound(
      ranges_.begin(), ranges_.end(), address,
      [](const IpAddress& value, const IpRange& range) { return value < range.first; });
  if (after == ranges_.begin()) {
    return false;
  }
  return address <= std::prev(after)->last;
}

} // namespace bulwark::rules
