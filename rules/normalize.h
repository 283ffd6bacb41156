#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bulwark::rules {

// What normalisation noticed in a path. Rules and logs can match these; several can be set.
enum PathAnomaly : uint32_t {
  kAnomalyNone = 0,
  kAnomalyEncodedSlash = 1U << 0,     // %2F or %5C decoded to a separator
  kAnomalyDoubleEncoded = 1U << 1,    // a %25 decoded into another %XX sequence
  kAnomalyUnicodeEscape = 1U << 2,    // IIS %uXXXX escape
  kAnomalyBackslash = 1U << 3,        // '\' taken as '/'
  kAnomalyDotSegment = 1U << 4,       // '.' or '..' segments removed
  kAnomalyMergedSlashes = 1U << 5,    // '//' merged
  kAnomalyOverlongUtf8 = 1U << 6,     // overlong UTF-8 form of an ASCII byte decoded
  kAnomalyNonAscii = 1U << 7,         // decoded bytes above 0x7F
};

// The verdict on a path that cannot be normalised safely. Anything but Ok is answered 400.
enum class PathVerdict {
  Ok,
  BadEncoding,   // '%' not followed by two hex digits (or %u by four)
  NulByte,       // %00 or a raw NUL
  ControlByte,   // a decoded byte below 0x20 or 0x7F
  EscapesRoot,   // more '..' segments than there are segments
  NotOriginForm  // does not start with '/'
};

struct NormalizedPath {
  std::string path;        // decoded, '/' separated, dot segments removed, slashes merged;
                           // case preserved (compare case-insensitively)
  uint32_t anomalies = kAnomalyNone;
};

// Normalises a request path (no query string) the way IIS reads it: percent- and %u-decoding
// (once; a remaining '%XX' after decoding sets kAnomalyDoubleEncoded), overlong UTF-8 folded,
// '\' as '/', merged slashes, dot segments removed. Allocation: `out.path` is reused.
// Thread-safe, no shared state.
PathVerdict normalizePath(std::string_view raw_path, NormalizedPath& out);

// Percent-encodes a normalised path for the upstream request line: every byte outside RFC 3986
// pchar (and '/') is written as %XX, so the web server decodes exactly `normalized`.
std::string encodePathForUpstream(std::string_view normalized);

// Normalises a Host header value or SNI: lower-case, port removed, one trailing dot removed.
// Returns empty when the value is not a valid host (empty label, bad characters, bad port).
std::string normalizeHost(std::string_view host);

std::string_view pathVerdictName(PathVerdict verdict) noexcept;

}  // namespace bulwark::rules
