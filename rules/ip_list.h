#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <netinet/in.h>

#include "rules/list_file.h"

namespace bulwark::rules {

// An IPv4 or IPv6 address as one 128-bit value. IPv4 is held in its IPv4-mapped IPv6 form
// (::ffff:a.b.c.d), so a downstream that reaches a dual-stack socket as ::ffff:192.0.2.1 is the
// same address as 192.0.2.1. Ordered like the numbers they are.
struct IpAddress {
  uint64_t high = 0; // the first 8 bytes, in network order read as one number
  uint64_t low = 0;

  // Parses `192.0.2.1` or `2001:db8::1` (also `::ffff:192.0.2.1`). Refuses anything else:
  // brackets, a zone (`%eth0`), a port, surrounding spaces, IPv4 octets with leading zeros (which
  // some parsers read as octal). No allocation; thread-safe.
  static std::optional<IpAddress> parse(std::string_view text) noexcept;

  // From 16 bytes in network order, as rules::Endpoint holds a client address.
  static IpAddress fromBytes(const uint8_t (&bytes)[16]) noexcept;
  static IpAddress fromIn6(const in6_addr& address) noexcept;
  static IpAddress fromIn4(const in_addr& address) noexcept;
  static IpAddress fromV4(uint32_t host_order) noexcept;

  // True for an IPv4 address (held as ::ffff:a.b.c.d).
  bool isV4() const noexcept;

  // The usual text form: dotted quad for IPv4, RFC 5952 for IPv6.
  std::string toString() const;

  auto operator<=>(const IpAddress&) const = default;
};

// A closed range of addresses, first <= last.
struct IpRange {
  IpAddress first;
  IpAddress last;

  bool operator==(const IpRange&) const = default;
};

// Parses a single address or a CIDR block: `192.0.2.1`, `192.0.2.0/24`, `2001:db8::/32`,
// `::ffff:192.0.2.0/120`. An IPv4 prefix is 0-32, an IPv6 prefix 0-128, in decimal without
// leading zeros. A block with bits set after its prefix (`192.0.2.1/24`) is refused rather than
// guessed at: the writer may have meant the host or the network. On refusal returns nullopt and
// says why in `reason`.
std::optional<IpRange> parseIpRange(std::string_view text, std::string& reason);

// An immutable set of addresses built from an IP list (or a config list of CIDRs): the blocks
// are merged into sorted disjoint ranges and looked up by binary search. Once built it is only
// read: any number of threads may call the const methods at once.
//
// The list: one address or CIDR block a line as parseIpRange reads it, '#' comments to the end
// of a line, blank lines skipped. IPv4 entries cover IPv4 clients whether they arrive as IPv4 or
// IPv4-mapped IPv6; `0.0.0.0/0` covers all of IPv4 and none of IPv6, `::/0` covers both. Other
// ways of embedding IPv4 in IPv6 (NAT64 64:ff9b::/96, 6to4, the deprecated ::a.b.c.d) are plain
// IPv6 here. A line that cannot be taken is reported with file:line and the rest still loads.
class IpSet {
public:
  // An empty set: contains nothing.
  IpSet() = default;

  // Builds a set from the text of a list; bad lines go to `problems` with `file_name` and their
  // line number. Never throws: running out of memory is a whole-file problem and gives an empty
  // set.
  static IpSet fromText(std::string_view text, std::string_view file_name,
                        std::vector<ListProblem>& problems);

  // As fromText, reading the file at `path`. A missing or unreadable file is a problem and gives
  // an empty set.
  static IpSet fromFile(const std::string& path, std::vector<ListProblem>& problems);

  // Builds a set from CIDR strings held in config (firewall allow and deny lists). A bad entry
  // is reported with `source` and its 1-based position in `cidrs` as the line.
  static IpSet fromCidrs(const std::vector<std::string>& cidrs, std::string_view source,
                         std::vector<ListProblem>& problems);

  // Whether `address` lies in the set. O(log n) in the number of merged ranges; no allocation.
  bool contains(const IpAddress& address) const noexcept;

  // The merged ranges, sorted and disjoint (adjacent blocks are joined too).
  const std::vector<IpRange>& ranges() const noexcept { return ranges_; }
  bool empty() const noexcept { return ranges_.empty(); }

  // The file or config key the set was built from, for logs.
  const std::string& source() const noexcept { return source_; }

private:
  static IpSet fromRanges(std::vector<IpRange> ranges, std::string_view source);

  std::string source_;
  std::vector<IpRange> ranges_;
};

} // namespace bulwark::rules
