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
  kAnomalyTrailingDotOrSpace = 1U << 8,  // trailing '.' or ' ' of a segment stripped, as Win32 does
  kAnomalyDataStream = 1U << 9,          // an NTFS `::$DATA` stream suffix stripped
};

// The anomalies a request-sanity stage answers 400 by default even though the path normalised:
// no browser or HTTP library produces them, they exist only to make two decoders disagree (a
// second decode on the web server, or an old UTF-8 decoder that accepts overlong forms).
inline constexpr uint32_t kRejectedAnomalies = kAnomalyDoubleEncoded | kAnomalyOverlongUtf8;

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
//
// Details: `raw_path` must start with '/' (origin-form; anything else, '\' included, is
// NotOriginForm). Every %XX is decoded, %2F and %5C included: they become separators and set
// kAnomalyEncodedSlash. %uXXXX gives the code point as UTF-8 (a value below 0x80 its ASCII byte;
// a surrogate is BadEncoding). An overlong UTF-8 form of an ASCII byte (C0 AE, E0 80 AE, ...,
// raw or escaped) is folded to that byte. Other bytes above 0x7F are kept as they are, since
// IIS falls back to the code page for invalid UTF-8. The result always starts with '/', keeps a
// trailing '/', and is never longer than `raw_path`: `out.path` grows at most once, by a single
// reserve. On a verdict other than Ok, `out` holds a partial result that must not be used.
PathVerdict normalizePath(std::string_view raw_path, NormalizedPath& out);

// Percent-encodes a normalised path for the upstream request line: every byte outside RFC 3986
// pchar (and '/') is written as %XX, so the web server decodes exactly `normalized`.
std::string encodePathForUpstream(std::string_view normalized);

// As encodePathForUpstream, appending to `out` (for building a request line in a reused buffer).
void appendPathForUpstream(std::string_view normalized, std::string& out);

// Normalises a Host header value or SNI: lower-case, port removed, one trailing dot removed.
// Returns empty when the value is not a valid host (empty label, bad characters, bad port).
//
// Details: surrounding spaces and tabs are dropped (optional whitespace is not part of a field
// value). A name is labels of letters, digits, '-' and '_', each 1-63 bytes, 253 in all; no
// percent-escapes, no UTF-8 (IDNs arrive as xn--). `[v6]` must hold a valid IPv6 address and
// keeps its brackets. A port must be 1-65535 in at most five digits; `host:` is refused.
std::string normalizeHost(std::string_view host);

// Lower-case snake names for logs and stats: "ok", "bad_encoding", "escapes_root", ...
std::string_view pathVerdictName(PathVerdict verdict) noexcept;

// The names of the anomaly bits set in `anomalies`, comma-separated ("dot_segment,encoded_slash"),
// in bit order; empty for kAnomalyNone. For logs and test messages, not for the request path.
std::string pathAnomalyNames(uint32_t anomalies);

}  // namespace bulwark::rules
