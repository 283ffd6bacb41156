#pragma once

// One signature in the Suricata rule language, as the parser reads it and the compiler takes it.
// Only what an HTTP/TLS edge can honour is modelled; a rule that needs anything else never
// becomes a Signature: the parser reports it with its reason instead.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bulwark::rules {

enum class Action : uint8_t { Alert, Drop, Reject, Pass };

// The request-side buffers a rule can inspect. Sticky buffers, legacy content modifiers and pcre
// buffer flags all land on one of these.
enum class Buffer : uint8_t {
  Uri,              // http.uri, http_uri, uricontent, pcre /U: the normalised path plus query
  UriRaw,           // http.uri.raw, http_raw_uri, pcre /I: the target as sent
  Method,           // http.method, http_method, pcre /M
  RequestLine,      // http.request_line: "GET /x HTTP/1.1"
  Protocol,         // http.protocol: "HTTP/1.1"
  Host,             // http.host, http_host, pcre /W: normalised (lower case, no port)
  HostRaw,          // http.host.raw, http_raw_host, pcre /Z
  Header,           // http.header, http_header, pcre /H: "Name: value\r\n" lines, no Cookie
  HeaderRaw,        // http.header.raw, http_raw_header, pcre /D
  HeaderNames,      // http.header_names: "\r\nName1\r\nName2\r\n\r\n"
  Cookie,           // http.cookie, http_cookie, pcre /C
  UserAgent,        // http.user_agent, http_user_agent, pcre /V
  Referer,          // http.referer
  Accept,           // http.accept
  AcceptLanguage,   // http.accept_lang
  AcceptEncoding,   // http.accept_enc
  ContentType,      // http.content_type
  ContentLength,    // http.content_len
  Connection,       // http.connection
  Start,            // http.start: request line and headers, "\r\n\r\n" ended
  RequestBody,      // http.request_body, http_client_body, pcre /P, file.data on requests
  TlsSni,           // tls.sni, tls_sni
  Payload,          // content with no buffer in an http rule (Suricata's raw stream): the
                    // request head as received
};
inline constexpr size_t kBufferCount = static_cast<size_t>(Buffer::Payload) + 1;

// Transforms applied, in order, to a buffer before its matches run.
enum class Transform : uint8_t {
  DotPrefix,           // prepend '.'
  ToLowercase,
  UrlDecode,           // %XX and '+' decoded
  StripWhitespace,     // every whitespace byte removed
  CompressWhitespace,  // runs of whitespace become one space
};

// content:"..." with its modifiers. Positions are byte counts; std::nullopt means "not given".
struct Content {
  std::string pattern;  // bytes, after |hex| and escapes are decoded
  bool negated = false;
  bool nocase = false;
  bool startswith = false;  // same as depth = pattern size, offset 0
  bool endswith = false;    // the match must end at the buffer's end
  std::optional<int32_t> offset;    // absolute: the match starts at or after this
  std::optional<int32_t> depth;     // absolute: the match ends within this many bytes
  std::optional<int32_t> distance;  // relative to the previous match's end in the same list
  std::optional<int32_t> within;    // relative: the match ends within this many bytes of it
  bool fast_pattern = false;        // the rule chose this content as its fast pattern
  bool fast_pattern_only = false;   // fast_pattern:only: the prefilter match is the whole check
  std::optional<std::pair<uint16_t, uint16_t>> fast_pattern_slice;  // fast_pattern:offset,length

  bool relative() const noexcept { return distance.has_value() || within.has_value(); }
};

// pcre:"/regex/flags". Buffer flags (U, I, H, ...) have already chosen the list it is in.
struct Pcre {
  std::string regex;  // the pattern between the slashes, unescaped as PCRE expects it
  bool negated = false;
  bool caseless = false;   // i
  bool dotall = false;     // s
  bool multiline = false;  // m
  bool extended = false;   // x
  bool anchored = false;   // A
  bool dollar_endonly = false;  // E
  bool ungreedy = false;   // G
  bool relative = false;   // R: starts where the previous match in the same list ended
};

// bsize, urilen (on Uri or UriRaw) and http.content_len-free size checks on the whole buffer.
struct SizeCheck {
  enum class Op : uint8_t { Eq, Lt, Gt, Le, Ge, Range };  // Range: lo < size < hi, as Suricata
  Op op = Op::Eq;
  uint64_t lo = 0;
  uint64_t hi = 0;
};

// isdataat:[!]N[,relative]
struct IsDataAt {
  uint32_t position = 0;
  bool negated = false;
  bool relative = false;
};

using MatchItem = std::variant<Content, Pcre, SizeCheck, IsDataAt>;

// Every match of a rule on one buffer (with one chain of transforms), in rule order. Relative
// items refer to the item before them in this list.
struct BufferMatch {
  Buffer buffer = Buffer::Uri;
  std::vector<Transform> transforms;
  std::vector<MatchItem> items;
};

// flowbits: state across the requests of one connection.
struct Flowbit {
  enum class Op : uint8_t { Set, IsSet, IsNotSet, Unset, Toggle, NoAlert };
  Op op = Op::Set;
  std::vector<std::string> names;  // "a|b" (any of) or "a&b" (all of) split; one name usually
  bool any_of = false;             // names were joined by '|'
};

enum class Track : uint8_t { BySource, ByDestination };

// threshold: type limit|threshold|both, track by_src|by_dst, count N, seconds T.
struct Threshold {
  enum class Type : uint8_t { Limit, Threshold, Both };
  Type type = Type::Limit;
  Track track = Track::BySource;
  uint32_t count = 1;
  uint32_t seconds = 60;
};

// detection_filter: track by_src|by_dst, count N, seconds T: alert only from the Nth match on.
struct DetectionFilter {
  Track track = Track::BySource;
  uint32_t count = 1;
  uint32_t seconds = 60;
};

// One side of a rule header's addresses or ports, with variables already substituted: a list
// of ranges, each possibly negated. `any` is an empty include list with no excludes.
struct AddressSpec {
  struct Range {
    std::string text;  // as written after substitution ("10.0.0.0/8", "::1", ...)
    bool negated = false;
  };
  std::vector<Range> ranges;
  bool any() const noexcept { return ranges.empty(); }
};

struct PortSpec {
  struct Range {
    uint16_t lo = 0;
    uint16_t hi = 65535;
    bool negated = false;
  };
  std::vector<Range> ranges;
  bool any() const noexcept { return ranges.empty(); }
};

struct Signature {
  Action action = Action::Alert;
  std::string protocol;  // "http", "tls", "tcp", "ip", ...
  AddressSpec source;
  PortSpec source_ports;
  AddressSpec destination;
  PortSpec destination_ports;
  bool bidirectional = false;  // "<>"

  std::string msg;
  uint32_t sid = 0;
  uint32_t rev = 0;
  uint32_t gid = 1;
  std::string classtype;
  std::string category;  // the classtype's description from classification.config
  uint32_t priority = 3;  // explicit priority, else the classtype's, else 3
  std::vector<std::string> references;                       // "url,example.com/x"
  std::vector<std::pair<std::string, std::string>> metadata;  // ("created_at", "2010_07_30")
  std::string target;                                         // "src_ip" | "dest_ip" | ""

  std::vector<BufferMatch> buffers;  // at least one for a loadable rule
  std::vector<Flowbit> flowbits;
  std::optional<Threshold> threshold;
  std::optional<DetectionFilter> detection_filter;

  std::string file;  // where it was read, for reports
  uint32_t line = 0;
};

// Stable lower-case names ("http.uri", "tls.sni", ...) for logs, reports and tests.
const char* bufferName(Buffer buffer) noexcept;
const char* actionName(Action action) noexcept;

}  // namespace bulwark::rules
