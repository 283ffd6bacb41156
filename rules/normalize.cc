#include "rules/normalize.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "common/strings.h"

namespace bulwark::rules {
namespace {

// TODO(rules): Windows quirks that are flagged or left to rules, not normalised: NTFS 8.3 short
// names (`CLIENT~1`), named streams other than `::$DATA`, IIS best-fit mapping of some %u code
// points to ASCII
// (full-width '.' and '/'), and case folding beyond ASCII. Meanwhile an operator can refuse
// kAnomalyNonAscii and kAnomalyUnicodeEscape on tenant listeners, and deny `~` and `::` in URL
// lists.

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  const char lower = asciiLower(c);
  if (lower >= 'a' && lower <= 'f') {
    return lower - 'a' + 10;
  }
  return -1;
}

// The value of `count` hex digits at `text[pos]`, or -1 when there are not that many.
int32_t hexRun(std::string_view text, size_t pos, size_t count) noexcept {
  if (pos > text.size() || text.size() - pos < count) {
    return -1;
  }
  int32_t value = 0;
  for (size_t i = 0; i < count; ++i) {
    const int digit = hexValue(text[pos + i]);
    if (digit < 0) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

bool isUnicodeEscapeMark(char c) noexcept { return c == 'u' || c == 'U'; }

// What one step of decoding yields: one byte, or the UTF-8 form of a %u code point.
struct Unit {
  std::array<uint8_t, 4> bytes{};
  uint8_t size = 0;
  bool escaped = false;  // written as %XX, %uXXXX or an overlong form, not as the byte itself
};

void encodeUtf8(uint32_t cp, Unit& unit) noexcept {
  if (cp < 0x80) {
    unit.bytes[0] = static_cast<uint8_t>(cp);
    unit.size = 1;
  } else if (cp < 0x800) {
    unit.bytes[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    unit.bytes[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    unit.size = 2;
  } else {
    unit.bytes[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    unit.bytes[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    unit.bytes[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    unit.size = 3;
  }
}

// Reads the raw path one decoded unit at a time, decoding every escape exactly once. Plain data
// (a view and a position), so the overlong check can look ahead on a copy and adopt it.
class Decoder {
public:
  Decoder(std::string_view raw, size_t pos) noexcept : raw_(raw), pos_(pos) {}

  bool done() const noexcept { return pos_ >= raw_.size(); }

  // Precondition: !done().
  PathVerdict next(Unit& unit, uint32_t& anomalies) noexcept {
    unit = Unit{};
    if (raw_[pos_] != '%') {
      unit.bytes[0] = static_cast<uint8_t>(raw_[pos_++]);
      unit.size = 1;
      return PathVerdict::Ok;
    }
    unit.escaped = true;
    if (pos_ + 1 < raw_.size() && isUnicodeEscapeMark(raw_[pos_ + 1])) {
      return nextUnicode(unit, anomalies);
    }
    const int32_t value = hexRun(raw_, pos_ + 1, 2);
    if (value < 0) {
      return PathVerdict::BadEncoding;
    }
    unit.bytes[0] = static_cast<uint8_t>(value);
    unit.size = 1;
    pos_ += 3;
    return PathVerdict::Ok;
  }

private:
  // IIS decodes %uXXXX to the UTF-16 code unit XXXX. A lone surrogate has no UTF-8 form that
  // the server and we would agree on, so it is refused rather than guessed at.
  PathVerdict nextUnicode(Unit& unit, uint32_t& anomalies) noexcept {
    const int32_t value = hexRun(raw_, pos_ + 2, 4);
    if (value < 0 || (value >= 0xD800 && value <= 0xDFFF)) {
      return PathVerdict::BadEncoding;
    }
    encodeUtf8(static_cast<uint32_t>(value), unit);
    anomalies |= kAnomalyUnicodeEscape;
    pos_ += 6;
    return PathVerdict::Ok;
  }

  std::string_view raw_;
  size_t pos_;
};

// The length of a UTF-8 sequence whose lead byte can start an overlong form of an ASCII byte:
// only C0/C1 (2 bytes), E0 (3), F0 (4), F8 (5) and FC (6) leave the payload bits above bit 6
// empty. Every other lead encodes a value of at least 0x80. 0 when `lead` is none of these.
int overlongAsciiLength(uint8_t lead) noexcept {
  switch (lead) {
  case 0xC0:
  case 0xC1:
    return 2;
  case 0xE0:
    return 3;
  case 0xF0:
    return 4;
  case 0xF8:
    return 5;
  case 0xFC:
    return 6;
  default:
    return 0;
  }
}

// Old UTF-8 decoders (the IIS 4/5 traversal) read C0 AE as '.', and C0 AF as '/'. When `unit`
// starts such a form, whether its bytes are raw or escaped, it is replaced by the ASCII byte so
// that every later check sees what such a decoder would. Anything else is left untouched.
void foldOverlongAscii(Decoder& decoder, Unit& unit, uint32_t& anomalies) noexcept {
  const int length = unit.size == 1 ? overlongAsciiLength(unit.bytes[0]) : 0;
  if (length == 0) {
    return;
  }
  uint32_t value = unit.bytes[0] == 0xC1 ? 1 : 0;
  Decoder ahead = decoder;
  uint32_t ignored = 0;
  for (int i = 1; i < length; ++i) {
    Unit next;
    if (ahead.done() || ahead.next(next, ignored) != PathVerdict::Ok || next.size != 1 ||
        (next.bytes[0] & 0xC0) != 0x80) {
      return;
    }
    value = (value << 6) | (next.bytes[0] & 0x3FU);
  }
  if (value >= 0x80) {
    return;  // an overlong form of a non-ASCII character: kept as bytes, never a separator
  }
  decoder = ahead;
  unit.bytes[0] = static_cast<uint8_t>(value);
  unit.escaped = true;
  anomalies |= kAnomalyOverlongUtf8;
}

// After the single decode pass, a '%' that still starts an escape means the client encoded
// twice. A server (or a filter behind us) that decodes again would read something else.
bool holdsEscape(std::string_view segment) noexcept {
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      continue;
    }
    if (hexRun(segment, i + 1, 2) >= 0) {
      return true;
    }
    if (i + 1 < segment.size() && isUnicodeEscapeMark(segment[i + 1]) &&
        hexRun(segment, i + 2, 4) >= 0) {
      return true;
    }
  }
  return false;
}

// Writes decoded units into the output, one segment at a time, resolving '.' and '..' as each
// segment ends (RFC 3986 section 5.2.4, on decoded segments so %2e%2e counts as '..').
class PathBuilder {
public:
  explicit PathBuilder(NormalizedPath& out) noexcept : out_(out) { out_.path.push_back('/'); }

  PathVerdict add(const Unit& unit) noexcept {
    if (unit.size == 1 && (unit.bytes[0] == '/' || unit.bytes[0] == '\\')) {
      if (unit.escaped) {
        out_.anomalies |= kAnomalyEncodedSlash;
      }
      if (unit.bytes[0] == '\\') {
        out_.anomalies |= kAnomalyBackslash;  // IIS takes '\' as a separator
      }
      return endSegment(true);
    }
    for (size_t i = 0; i < unit.size; ++i) {
      const uint8_t byte = unit.bytes[i];
      if (byte == 0) {
        return PathVerdict::NulByte;
      }
      if (byte < 0x20 || byte == 0x7F) {
        return PathVerdict::ControlByte;
      }
      if (byte >= 0x80) {
        out_.anomalies |= kAnomalyNonAscii;
      }
      out_.path.push_back(static_cast<char>(byte));
    }
    return PathVerdict::Ok;
  }

  PathVerdict finish() noexcept { return endSegment(false); }

private:
  // Ends the segment that starts at `segment_start_`; `separator` when a '/' follows it.
  PathVerdict endSegment(bool separator) noexcept {
    const std::string_view segment = std::string_view(out_.path).substr(segment_start_);
    if (segment.empty()) {
      if (separator) {
        out_.anomalies |= kAnomalyMergedSlashes;
      }
      return PathVerdict::Ok;  // at the end: the trailing '/' is kept
    }
    if (holdsEscape(segment)) {
      out_.anomalies |= kAnomalyDoubleEncoded;
    }
    if (segment == "." || segment == "..") {
      return removeDotSegment(segment.size() == 2);
    }
    // Windows reads `secret.txt::$DATA` as `secret.txt`, and `admin.` or `admin ` as `admin`:
    // a filter that compared the bytes as sent would be walked around, so they are stripped
    // here, and the upstream gets the name Windows will open.
    size_t end = segment.size();
    constexpr std::string_view kDataStream = "::$DATA";
    if (end > kDataStream.size() &&
        iequals(segment.substr(end - kDataStream.size()), kDataStream)) {
      end -= kDataStream.size();
      out_.anomalies |= kAnomalyDataStream;
    }
    const size_t before_dots = end;
    while (end > 0 && (segment[end - 1] == '.' || segment[end - 1] == ' ')) {
      --end;
    }
    if (end != before_dots) {
      out_.anomalies |= kAnomalyTrailingDotOrSpace;
    }
    out_.path.resize(segment_start_ + end);
    if (end == 0) {
      return removeDotSegment(false);  // `...` is nothing but dots: the current folder
    }
    if (separator) {
      out_.path.push_back('/');
      segment_start_ = out_.path.size();
    }
    return PathVerdict::Ok;
  }

  // Drops the '.' or '..' segment; '..' also drops the segment before it. The path keeps the
  // '/' before the removed segments, so `/a/b/..` ends as `/a/`, as RFC 3986 has it.
  PathVerdict removeDotSegment(bool parent) noexcept {
    out_.anomalies |= kAnomalyDotSegment;
    out_.path.resize(segment_start_);
    if (!parent) {
      return PathVerdict::Ok;
    }
    if (segment_start_ <= 1) {
      return PathVerdict::EscapesRoot;
    }
    const size_t slash = out_.path.rfind('/', segment_start_ - 2);
    out_.path.resize(slash + 1);
    segment_start_ = out_.path.size();
    return PathVerdict::Ok;
  }

  NormalizedPath& out_;
  size_t segment_start_ = 1;
};

// RFC 3986 pchar without '%': unreserved, sub-delims, ':' and '@'.
bool isPlainPathChar(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return c != '\0' && std::strchr("-._~!$&'()*+,;=:@", c) != nullptr;
}

bool isHostLabelChar(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

std::string_view trimOws(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// A port as Host may carry it: 1-5 digits, 1-65535. An empty port (`host:`) is refused.
bool validPort(std::string_view port) noexcept {
  if (port.empty() || port.size() > 5) {
    return false;
  }
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

// Splits `host[:port]` or `[v6][:port]` into the name part, validating the port.
bool splitPort(std::string_view host, std::string_view& name) noexcept {
  size_t name_end = 0;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    name_end = close + 1;
  } else {
    name_end = std::min(host.find(':'), host.size());
  }
  name = host.substr(0, name_end);
  const std::string_view rest = host.substr(name_end);
  if (rest.empty()) {
    return !name.empty();
  }
  return !name.empty() && rest.front() == ':' && validPort(rest.substr(1));
}

bool validIpv6Literal(std::string_view bracketed) noexcept {
  const std::string_view inner = bracketed.substr(1, bracketed.size() - 2);
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (inner.empty() || inner.size() >= text.size()) {
    return false;
  }
  std::memcpy(text.data(), inner.data(), inner.size());
  std::array<unsigned char, 16> address{};
  return inet_pton(AF_INET6, text.data(), address.data()) == 1;
}

bool validHostName(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
    } else if (!isHostLabelChar(c) || ++label > 63) {
      return false;
    }
  }
  return label != 0;
}

}  // namespace

PathVerdict normalizePath(std::string_view raw_path, NormalizedPath& out) {
  out.path.clear();
  out.anomalies = kAnomalyNone;
  if (raw_path.empty() || raw_path.front() != '/') {
    return PathVerdict::NotOriginForm;
  }

  // Decoding never lengthens: an escape is longer than the bytes it stands for, so one reserve
  // (a no-op when a reused buffer is large enough) covers the whole result.
  out.path.reserve(raw_path.size());
  PathBuilder builder(out);
  Decoder decoder(raw_path, 1);
  while (!decoder.done()) {
    Unit unit;
    PathVerdict verdict = decoder.next(unit, out.anomalies);
    if (verdict != PathVerdict::Ok) {
      return verdict;
    }
    foldOverlongAscii(decoder, unit, out.anomalies);
    verdict = builder.add(unit);
    if (verdict != PathVerdict::Ok) {
      return verdict;
    }
  }
  return builder.finish();
}

void appendPathForUpstream(std::string_view normalized, std::string& out) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  for (char c : normalized) {
    if (c == '/' || isPlainPathChar(c)) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<uint8_t>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0F]);
  }
}

std::string encodePathForUpstream(std::string_view normalized) {
  std::string out;
  out.reserve(normalized.size() + normalized.size() / 4);
  appendPathForUpstream(normalized, out);
  return out;
}

std::string normalizeHost(std::string_view host) {
  host = trimOws(host);
  std::string_view name;
  if (host.empty() || !splitPort(host, name)) {
    return {};
  }
  if (name.front() == '[') {
    return validIpv6Literal(name) ? toLowerAscii(name) : std::string();
  }

  // `example.com.` is the same fully qualified name; a second trailing dot is an empty label.
  if (name.back() == '.') {
    name.remove_suffix(1);
  }
  return validHostName(name) ? toLowerAscii(name) : std::string();
}

std::string_view pathVerdictName(PathVerdict verdict) noexcept {
  switch (verdict) {
  case PathVerdict::Ok:
    return "ok";
  case PathVerdict::BadEncoding:
    return "bad_encoding";
  case PathVerdict::NulByte:
    return "nul_byte";
  case PathVerdict::ControlByte:
    return "control_byte";
  case PathVerdict::EscapesRoot:
    return "escapes_root";
  case PathVerdict::NotOriginForm:
    return "not_origin_form";
  }
  return "unknown";
}

std::string pathAnomalyNames(uint32_t anomalies) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "encoded_slash", "double_encoded", "unicode_escape",        "backslash",
      "dot_segment",   "merged_slashes", "overlong_utf8",         "non_ascii",
      "trailing_dot_or_space", "data_stream"};
  std::string out;
  for (size_t bit = 0; bit < kNames.size(); ++bit) {
    if ((anomalies & (1U << bit)) == 0) {
      continue;
    }
    if (!out.empty()) {
      out.push_back(',');
    }
    out.append(kNames[bit]);
  }
  return out;
}

}  // namespace bulwark::rules
