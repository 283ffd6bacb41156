// Payload keywords: content and its modifiers, pcre, bsize, urilen, isdataat.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "rules/rule_options_internal.h"

namespace bulwark::rules::detail {

namespace {

struct Quoted {
  bool negated = false;
  std::string_view inner;
};

// `"text"`, `!"text"` or a bare value (Suricata takes content without quotes too).
std::optional<Quoted> unquote(std::string_view value, std::string& error) {
  Quoted quoted;
  value = trim(value);
  if (!value.empty() && value[0] == '!') {
    quoted.negated = true;
    value = trim(value.substr(1));
  }
  if (value.empty() || value[0] != '"') {
    quoted.inner = value;
    return quoted;
  }
  if (value.size() < 2 || value.back() != '"' || escapedAt(value, value.size() - 1)) {
    error = "unterminated quote";
    return std::nullopt;
  }
  quoted.inner = value.substr(1, value.size() - 2);
  return quoted;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Decodes `abc|0D 0A|\"` into bytes. Escapes are only \" \; \: and \\, as in Suricata.
bool decodeContent(std::string_view raw, std::string& out, std::string& error) {
  bool hex = false;
  int high = -1;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (hex) {
      if (c == '|') {
        hex = false;
        if (high >= 0) {
          error = "odd number of hex digits between | |";
          return false;
        }
      } else if (!isSpace(c)) {
        int v = hexValue(c);
        if (v < 0) {
          error = std::string("bad hex digit '") + c + "' between | |";
          return false;
        }
        if (high < 0) {
          high = v;
        } else {
          out += static_cast<char>(high * 16 + v);
          high = -1;
        }
      }
      continue;
    }
    if (c == '|') {
      hex = true;
    } else if (c == '\\') {
      char next = i + 1 < raw.size() ? raw[++i] : '\0';
      if (next != '"' && next != ';' && next != ':' && next != '\\') {
        error = std::string("bad escape '\\") + next + "'";
        return false;
      }
      out += next;
    } else {
      out += c;
    }
  }
  if (hex) {
    error = "unterminated | |";
    return false;
  }
  return true;
}

std::optional<Buffer> pcreBufferFlag(char flag) {
  switch (flag) {
  case 'U':
    return Buffer::Uri;
  case 'I':
    return Buffer::UriRaw;
  case 'P':
    return Buffer::RequestBody;
  case 'H':
    return Buffer::Header;
  case 'D':
    return Buffer::HeaderRaw;
  case 'M':
    return Buffer::Method;
  case 'C':
    return Buffer::Cookie;
  case 'V':
    return Buffer::UserAgent;
  case 'W':
    return Buffer::Host;
  case 'Z':
    return Buffer::HostRaw;
  default:
    return std::nullopt;
  }
}

} // namespace

void OptionParser::content(const std::string& name, std::optional<std::string_view> value,
                           bool uri) {
  if (!value || value->empty()) {
    issues_.error("syntax", name + " needs a value");
    return;
  }
  std::string error;
  auto quoted = unquote(*value, error);
  Content c;
  if (!quoted || !decodeContent(quoted->inner, c.pattern, error)) {
    issues_.error("syntax", name + ":" + std::string(*value) + ": " + error);
    return;
  }
  if (c.pattern.empty()) {
    issues_.error("syntax", name + " is empty");
    return;
  }
  c.negated = quoted->negated;

  size_t list = uri ? findOrAddList(ListKind::Request, Buffer::Uri, {}, false) : currentList();
  addItem(list, std::move(c));
  last_content_ = ItemRef{list, lists_[list].items.size() - 1};
}

void OptionParser::contentModifier(const std::string& name, std::optional<std::string_view> value) {
  if (!last_content_) {
    issues_.error("syntax", name + " with no preceding content");
    return;
  }
  Content& c = std::get<Content>(lists_[last_content_->list].items[last_content_->index]);
  if (name == "fast_pattern") {
    return fastPattern(c, value);
  }
  if (name == "depth" || name == "offset" || name == "distance" || name == "within") {
    position(name, value, c);
    return;
  }
  if (value) {
    issues_.error("syntax", name + " takes no value");
    return;
  }
  if (name == "nocase") {
    if (c.nocase) {
      issues_.error("syntax", "nocase given twice for one content");
    }
    c.nocase = true;
  } else if (name == "startswith") {
    if (c.depth || c.offset || c.relative()) {
      issues_.error("syntax", "startswith cannot be mixed with depth, offset, distance or within");
    }
    c.startswith = true;
  } else if (name == "endswith") {
    c.endswith = true;
  }
  // rawbytes: a no-op in Suricata for the buffers it allows.
}

bool OptionParser::position(const std::string& name, std::optional<std::string_view> value,
                            Content& c) {
  if (!value) {
    issues_.error("syntax", name + " needs a value");
    return false;
  }
  auto v =
      parseSigned(*value, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  if (!v) {
    // A byte_extract variable: the rule is already unsupported for byte_extract.
    if (!has_byte_variables_) {
      issues_.error("syntax", name + ":" + std::string(*value) + " is not a number");
    }
    return false;
  }

  bool absolute = name == "depth" || name == "offset";
  if ((absolute && c.relative()) || (!absolute && (c.depth || c.offset)) || c.startswith) {
    issues_.error("syntax", name + " mixes relative (distance, within) and absolute (depth, "
                                   "offset, startswith) positions on one content");
    return false;
  }
  std::optional<int32_t>& slot = name == "depth"      ? c.depth
                                 : name == "offset"   ? c.offset
                                 : name == "distance" ? c.distance
                                                      : c.within;
  if (slot) {
    issues_.error("syntax", name + " given twice for one content");
    return false;
  }
  if (name != "distance" && *v < 0) {
    issues_.error("syntax", name + ":" + std::to_string(*v) + " is negative");
    return false;
  }
  if ((name == "depth" || name == "within") && *v < static_cast<int64_t>(c.pattern.size())) {
    issues_.error("syntax", name + ":" + std::to_string(*v) + " is shorter than its content (" +
                                std::to_string(c.pattern.size()) + " bytes): it can never match");
    return false;
  }
  slot = static_cast<int32_t>(*v);
  return true;
}

void OptionParser::fastPattern(Content& c, std::optional<std::string_view> value) {
  if (fast_pattern_seen_) {
    issues_.error("syntax", "fast_pattern on more than one content");
    return;
  }
  fast_pattern_seen_ = true;
  c.fast_pattern = true;
  if (!value) {
    return;
  }
  if (*value == "only") {
    if (c.negated) {
      issues_.error("syntax", "fast_pattern:only on a negated content");
    }
    c.fast_pattern_only = true;
    return;
  }
  size_t comma = value->find(',');
  auto offset = parseUnsigned(value->substr(0, comma), 65535);
  auto length = comma == std::string_view::npos ? std::nullopt
                                                : parseUnsigned(value->substr(comma + 1), 65535);
  if (!offset || !length || *length == 0 || *offset + *length > c.pattern.size()) {
    issues_.error("syntax", "fast_pattern:" + std::string(*value) +
                                " is not 'only' or an offset,length inside the content");
    return;
  }
  c.fast_pattern_slice =
      std::make_pair(static_cast<uint16_t>(*offset), static_cast<uint16_t>(*length));
}

size_t OptionParser::relativeList(bool relative) {
  // Suricata puts a relative pcre or isdataat with no buffer of its own on the list of the
  // match before it, so `content:"x"; http_uri; isdataat:!1,relative;` is a URI check.
  if (cursor_.state != Cursor::State::Payload) {
    return currentList();
  }
  return relative ? last_match_list_ : 0;
}

void OptionParser::pcre(std::optional<std::string_view> value) {
  std::string error;
  auto quoted = value ? unquote(*value, error) : std::nullopt;
  std::string_view inner = quoted ? quoted->inner : std::string_view{};
  size_t end = inner.rfind('/');
  if (!quoted || inner.empty() || inner[0] != '/' || end == 0 || end == 1) {
    issues_.error("syntax", "pcre:" + std::string(value.value_or("")) + " is not \"/regex/flags\"" +
                                (error.empty() ? "" : ": " + error));
    return;
  }

  Pcre p;
  p.negated = quoted->negated;
  p.regex = std::string(inner.substr(1, end - 1));
  std::optional<Buffer> buffer;
  bool response = false;
  for (char flag : inner.substr(end + 1)) {
    if (flag == 'S' || flag == 'Y' || flag == 'Q') {
      issues_.unsupported("response_side",
                          std::string("pcre flag /") + flag + " inspects responses");
      response = true;
    } else if (!pcreFlag(flag, p, buffer)) {
      return;
    }
  }
  if (response) {
    return;
  }

  // A buffer flag may repeat the sticky buffer in force ("http.uri; pcre:"/x/U"), not contradict
  // it.
  size_t list = 0;
  if (buffer && cursor_.state != Cursor::State::Payload) {
    if (cursor_.kind != ListKind::Request || cursor_.buffer != *buffer || cursor_.from_file_data) {
      issues_.error("syntax", std::string("pcre buffer flag for ") + bufferName(*buffer) +
                                  " after sticky buffer " + cursor_.name);
      return;
    }
    list = currentList();
  } else if (buffer) {
    list = findOrAddList(ListKind::Request, *buffer, {}, false);
  } else {
    list = relativeList(p.relative);
  }
  addItem(list, std::move(p));
}

bool OptionParser::pcreFlag(char flag, Pcre& p, std::optional<Buffer>& buffer) {
  if (auto b = pcreBufferFlag(flag)) {
    if (buffer) {
      issues_.error("syntax", "pcre names two buffers");
      return false;
    }
    buffer = b;
    return true;
  }
  switch (flag) {
  case 'i':
    p.caseless = true;
    return true;
  case 's':
    p.dotall = true;
    return true;
  case 'm':
    p.multiline = true;
    return true;
  case 'x':
    p.extended = true;
    return true;
  case 'A':
    p.anchored = true;
    return true;
  case 'E':
    p.dollar_endonly = true;
    return true;
  case 'G':
    p.ungreedy = true;
    return true;
  case 'R':
    p.relative = true;
    return true;
  case 'B': // rawbytes: nothing to do on HTTP buffers
  case 'O': // override the match limit: the compiler sets its own limits
    return true;
  default:
    issues_.error("syntax", std::string("unknown pcre flag '") + flag + "'");
    return false;
  }
}

std::optional<SizeCheck> OptionParser::sizeCheck(std::string_view keyword, std::string_view text) {
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  text = trim(text);
  SizeCheck check;
  std::optional<uint64_t> value;
  size_t range = text.find("<>");
  if (range != std::string_view::npos) {
    check.op = SizeCheck::Op::Range;
    auto lo = parseUnsigned(text.substr(0, range), kMax);
    value = parseUnsigned(text.substr(range + 2), kMax);
    if (lo && value && *lo < *value) {
      check.lo = *lo;
      check.hi = *value;
      return check;
    }
    value.reset();
  } else {
    std::string_view number = text;
    if (text.starts_with("<=") || text.starts_with(">=")) {
      check.op = text[0] == '<' ? SizeCheck::Op::Le : SizeCheck::Op::Ge;
      number = text.substr(2);
    } else if (text.starts_with("<") || text.starts_with(">")) {
      check.op = text[0] == '<' ? SizeCheck::Op::Lt : SizeCheck::Op::Gt;
      number = text.substr(1);
    }
    value = parseUnsigned(number, kMax);
  }
  if (!value) {
    issues_.error("syntax", std::string(keyword) + ":" + std::string(text) +
                                " is not N, <N, >N, <=N, >=N or N<>M (N < M)");
    return std::nullopt;
  }
  check.lo = *value;
  check.hi = *value;
  return check;
}

void OptionParser::bsize(std::optional<std::string_view> value) {
  if (!value) {
    issues_.error("syntax", "bsize needs a value");
    return;
  }
  if (cursor_.state == Cursor::State::Payload) {
    issues_.error("syntax", "bsize needs a sticky buffer before it");
    return;
  }
  if (auto check = sizeCheck("bsize", *value)) {
    addItem(currentList(), *check);
  }
}

void OptionParser::urilen(std::optional<std::string_view> value) {
  if (!value) {
    issues_.error("syntax", "urilen needs a value");
    return;
  }
  size_t comma = value->find(',');
  Buffer buffer = Buffer::Uri;
  if (comma != std::string_view::npos) {
    std::string_view kind = trim(value->substr(comma + 1));
    if (kind != "raw" && kind != "norm") {
      issues_.error("syntax", "urilen:" + std::string(*value) + ": expected ',raw' or ',norm'");
      return;
    }
    buffer = kind == "raw" ? Buffer::UriRaw : Buffer::Uri;
  }
  if (auto check = sizeCheck("urilen", value->substr(0, comma))) {
    // Not through addItem: a size check is no anchor for a later relative pcre.
    lists_[findOrAddList(ListKind::Request, buffer, {}, false)].items.push_back(*check);
  }
}

void OptionParser::isDataAt(std::optional<std::string_view> value) {
  if (!value) {
    issues_.error("syntax", "isdataat needs a value");
    return;
  }
  IsDataAt check;
  std::string_view text = trim(*value);
  if (!text.empty() && text[0] == '!') {
    check.negated = true;
    text.remove_prefix(1);
  }
  size_t comma = text.find(',');
  auto position = parseUnsigned(text.substr(0, comma), std::numeric_limits<uint32_t>::max());
  for (std::string_view rest = comma == std::string_view::npos ? "" : text.substr(comma + 1);
       !rest.empty();) {
    size_t next = rest.find(',');
    std::string_view option = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? "" : rest.substr(next + 1);
    if (option == "relative") {
      check.relative = true;
    } else if (option != "rawbytes") {
      position.reset();
    }
  }
  if (!position) {
    if (!has_byte_variables_) {
      issues_.error("syntax", "isdataat:" + std::string(*value) + " is not [!]N[,relative]");
    }
    return;
  }
  check.position = static_cast<uint32_t>(*position);
  addItem(relativeList(check.relative), check);
}

} // namespace bulwark::rules::detail
