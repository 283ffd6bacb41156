#pragma once

// Parsers for the scalar forms of the config that common/strings.h does not cover: addresses,
// CIDRs, host names and names, plus the "did you mean" suggestion for misspelt keys and values.
// Pure functions, no shared state: any thread.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/config.h"

namespace bulwark::config {

// Whether port 0 is accepted. It means "any free port" and makes sense only where Bulwark binds
// (listeners, admin); an endpoint or demo upstream needs a real port.
enum class PortRule { NonZero, ZeroAllowed };

// Parses `host:port` or `[v6]:port`. The host is a literal IPv4 address, a bracketed IPv6
// address, or a DNS name (letters, digits, '-', '.', '_'); it is kept as written, without the
// brackets. On failure returns nullopt and says why in `why`.
std::optional<Address> parseAddress(std::string_view text, PortRule rule, std::string& why);

// Parses a port number, 0-65535 (ZeroAllowed) or 1-65535 (NonZero).
std::optional<uint16_t> parsePort(std::string_view text, PortRule rule);

// Checks `a.b.c.d/n` (n <= 32), `v6/n` (n <= 128), or a bare address (one host). On failure
// returns false and says why in `why`. `host_bits` is set when the address has bits set past the
// prefix (`203.0.113.5/24`): valid, but usually a typo worth a warning.
bool checkCidr(std::string_view text, std::string& why, bool& host_bits);

// Lower-cases a host name as routes and tenants match it, dropping one trailing dot. Nullopt when
// it is empty or has a character no host name has.
std::optional<std::string> normalizeConfigHost(std::string_view host);

// True for a listener, tenant or cluster name: letters, digits, '-' and '_' only, because names
// become part of stat names (`cluster.<name>.upstream_rq_5xx`) where a '.' would add a level.
bool isValidName(std::string_view name);

// Edit distance counting insertions, deletions, substitutions and swaps of neighbours as one.
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when at most `max_distance` edits away, else empty.
std::string_view closestMatch(std::string_view word, std::span<const std::string_view> candidates,
                              size_t max_distance = 2);

// `a, b, c`: candidates for a message.
std::string joinNames(std::span<const std::string_view> names);

} // namespace bulwark::config
