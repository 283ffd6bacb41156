// The option list of a rule: `(msg:"..."; http.uri; content:"/x"; nocase; sid:1;)`.
//
// Payload keywords land in match lists the way Suricata builds them: a sticky buffer sends what
// follows to its list, a legacy content modifier (http_uri, ...) moves the content before it,
// and what has neither stays on the raw payload, which the gateway never sees.

#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_keywords.h"
#include "rules/rule_options_internal.h"
#include "rules/rule_parser_internal.h"

namespace bulwark::rules::detail {

namespace {

// Calls `on_option(name, value)` for each `name[:value];`. A value ends at the first ';' not
// escaped by '\' (Suricata does not look at quotes for this). False on a missing final ';'.
template <typename OnOption>
bool splitOptions(std::string_view body, RuleIssues& issues, OnOption on_option) {
  size_t i = 0;
  const size_t n = body.size();
  while (true) {
    while (i < n && isSpace(body[i])) {
      ++i;
    }
    if (i == n) {
      return true;
    }
    size_t start = i;
    while (i < n && body[i] != ':' && body[i] != ';') {
      ++i;
    }
    std::string_view name = trim(body.substr(start, i - start));
    if (i == n) {
      issues.error("syntax", "option '" + std::string(name) + "' is not ended by ';'");
      return false;
    }
    if (body[i] == ';') {
      ++i;
      on_option(name, std::optional<std::string_view>{});
      continue;
    }
    size_t value_start = ++i;
    for (bool escaped = false; i < n; ++i) {
      if (escaped) {
        escaped = false;
      } else if (body[i] == '\\') {
        escaped = true;
      } else if (body[i] == ';') {
        break;
      }
    }
    if (i == n) {
      issues.error("syntax", "option '" + std::string(name) + "' is not ended by ';'");
      return false;
    }
    on_option(name, trim(body.substr(value_start, i - value_start)));
    ++i;
  }
}


} // namespace

OptionParser::OptionParser(const ParseOptions& options, Signature& signature, RuleIssues& issues)
    : options_(options), sig_(signature), issues_(issues) {
  lists_.emplace_back(); // the raw payload
}

void OptionParser::parse(std::string_view body) {
  splitOptions(body, issues_, [this](std::string_view name, std::optional<std::string_view> v) {
    option(name, v);
  });
  finish();
}

void OptionParser::option(std::string_view name, std::optional<std::string_view> value) {
  const Keyword* keyword = findKeyword(name);
  if (keyword == nullptr) {
    issues_.error("unknown_keyword", "unknown keyword '" + std::string(name) + "'");
    return;
  }
  const std::string keyword_name(name);
  switch (keyword->kind) {
  case KeywordKind::Meta:
    return meta(name, value);
  case KeywordKind::Content:
  case KeywordKind::UriContent:
    return content(keyword_name, value, keyword->kind == KeywordKind::UriContent);
  case KeywordKind::ContentModifier:
    return contentModifier(keyword_name, value);
  case KeywordKind::Sticky:
    return sticky(keyword_name, ListKind::Request, keyword->buffer, false);
  case KeywordKind::FileData:
    uses_file_data_ = true;
    return sticky(keyword_name, ListKind::Request, Buffer::RequestBody, true);
  case KeywordKind::LegacyModifier:
    return legacyModifier(keyword_name, keyword->buffer);
  case KeywordKind::PktData:
    cursor_ = Cursor{};
    return;
  case KeywordKind::Transform:
    return transform(keyword_name, keyword->transform);
  case KeywordKind::Pcre:
    return pcre(value);
  case KeywordKind::Bsize:
    return bsize(value);
  case KeywordKind::IsDataAt:
    return isDataAt(value);
  case KeywordKind::Urilen:
    return urilen(value);
  default:
    return stateOrUnsupported(*keyword, keyword_name, value);
  }
}

void OptionParser::stateOrUnsupported(const Keyword& keyword, const std::string& name,
                                      std::optional<std::string_view> value) {
  switch (keyword.kind) {
  case KeywordKind::Flow:
    return flow(value);
  case KeywordKind::Flowbits:
    return flowbits(value);
  case KeywordKind::NoAlert:
    sig_.flowbits.push_back(Flowbit{Flowbit::Op::NoAlert, {}, false});
    return;
  case KeywordKind::Threshold:
    return threshold(value);
  case KeywordKind::DetectionFilter:
    return detectionFilter(value);
  case KeywordKind::ResponseSticky:
    issues_.unsupported("response_side", name + " inspects responses");
    return sticky(name, ListKind::Discard, Buffer::Uri, false);
  case KeywordKind::ResponseModifier:
  case KeywordKind::ResponseOther:
    issues_.unsupported("response_side", name + " inspects responses");
    return;
  case KeywordKind::UnsupportedSticky:
    issues_.unsupported("unsupported_keyword", name + " is not a buffer the gateway inspects");
    return sticky(name, ListKind::Discard, Buffer::Uri, false);
  case KeywordKind::Packet:
    issues_.unsupported("packet_keyword", name + " needs packet or stream level inspection");
    return;
  default:
    if (name == "byte_extract" || name == "byte_math") {
      has_byte_variables_ = true;
    }
    issues_.unsupported("unsupported_keyword", name + " is not supported");
    return;
  }
}

size_t OptionParser::currentList() {
  if (cursor_.state == Cursor::State::Payload) {
    return 0;
  }
  if (cursor_.state == Cursor::State::Resolved) {
    return cursor_.list;
  }
  cursor_.list =
      findOrAddList(cursor_.kind, cursor_.buffer, cursor_.transforms, cursor_.from_file_data);
  cursor_.state = Cursor::State::Resolved;
  return cursor_.list;
}

size_t OptionParser::findOrAddList(ListKind kind, Buffer buffer,
                                   const std::vector<Transform>& transforms, bool file_data) {
  // Few lists a rule: a linear search is the fastest there is.
  for (size_t i = 1; i < lists_.size(); ++i) {
    const MatchList& list = lists_[i];
    if (kind == ListKind::Request && list.kind == kind && list.buffer == buffer &&
        list.transforms == transforms && list.from_file_data == file_data) {
      return i;
    }
  }
  MatchList list;
  list.kind = kind;
  list.buffer = buffer;
  list.transforms = transforms;
  list.from_file_data = file_data;
  lists_.push_back(std::move(list));
  return lists_.size() - 1;
}

void OptionParser::sticky(const std::string& name, ListKind kind, Buffer buffer, bool file_data) {
  cursor_ = Cursor{};
  cursor_.state = Cursor::State::Pending;
  cursor_.kind = kind;
  cursor_.buffer = buffer;
  cursor_.from_file_data = file_data;
  cursor_.name = name;
}

void OptionParser::transform(const std::string& name, Transform transform) {
  // A transform names the buffer it changes by standing right after it.
  if (cursor_.state != Cursor::State::Pending) {
    issues_.error("syntax", name + " must directly follow a sticky buffer");
    return;
  }
  cursor_.transforms.push_back(transform);
}

void OptionParser::legacyModifier(const std::string& name, Buffer buffer) {
  if (!last_content_) {
    issues_.error("syntax", name + " with no preceding content");
    return;
  }
  if (cursor_.state != Cursor::State::Payload) {
    issues_.error("syntax",
                  name + " after sticky buffer " + cursor_.name + " (reset with pkt_data first)");
    return;
  }
  if (last_content_->list != 0) {
    issues_.error("syntax", name + ": the content before it is already on another buffer");
    return;
  }

  // Move the content, with the modifiers given so far, to the end of the buffer's list.
  auto& payload = lists_[0].items;
  MatchItem item = std::move(payload[last_content_->index]);
  payload.erase(payload.begin() + static_cast<std::ptrdiff_t>(last_content_->index));
  size_t target = findOrAddList(ListKind::Request, buffer, {}, false);
  lists_[target].items.push_back(std::move(item));
  last_content_ = ItemRef{target, lists_[target].items.size() - 1};
  last_match_list_ = target;
}

void OptionParser::addItem(size_t list, MatchItem item) {
  lists_[list].items.push_back(std::move(item));
  last_match_list_ = list;
}

void OptionParser::finish() {
  if (!sid_seen_) {
    issues_.error("missing_sid", "rule has no sid");
  }
  if (issues_.hasError()) {
    return;
  }
  checkDirection();
  checkPayload();
  checkProtocol();

  for (size_t i = 0; i < lists_.size(); ++i) {
    MatchList& list = lists_[i];
    if (list.items.empty()) {
      continue;
    }
    if (i == 0) {
      sig_.buffers.push_back(BufferMatch{Buffer::Payload, {}, std::move(list.items)});
    } else if (list.kind == ListKind::Request) {
      sig_.buffers.push_back(
          BufferMatch{list.buffer, std::move(list.transforms), std::move(list.items)});
    }
  }
  if (!explicit_priority_ && class_priority_) {
    sig_.priority = *class_priority_;
  }
}

void OptionParser::checkDirection() {
  if (direction_ == Direction::ToClient) {
    issues_.unsupported("response_side", "flow:" + direction_token_ + " inspects responses");
    return;
  }
  if (direction_ == Direction::ToServer) {
    return;
  }
  if (uses_file_data_) {
    issues_.unsupported("response_side",
                        "file.data without flow:to_server inspects response bodies");
    return;
  }

  // Without a direction, a rule on header-like buffers alone would fire on responses too in
  // Suricata. It loads here and inspects requests, exactly as written for them; responses are
  // not inspected by this version at all.
}

void OptionParser::checkPayload() {
  // In an http rule the raw stream of a request is its head as received: the Payload buffer.
  if (lists_[0].items.empty() || classifyProtocol(sig_.protocol) == ProtocolClass::Http) {
    return;
  }
  const MatchItem& first = lists_[0].items.front();
  std::string what = "a payload keyword";
  if (const auto* c = std::get_if<Content>(&first)) {
    what = "content:\"" + printable(c->pattern) + "\"";
  } else if (const auto* p = std::get_if<Pcre>(&first)) {
    what = "pcre:\"/" + p->regex + "/\"";
  }
  issues_.unsupported("payload_content",
                      what + " has no HTTP/TLS buffer: it inspects the raw stream");
}

void OptionParser::checkProtocol() {
  bool http = false;
  bool tls = false;
  for (const MatchList& list : lists_) {
    if (list.kind == ListKind::Request && !list.items.empty()) {
      (list.buffer == Buffer::TlsSni ? tls : http) = true;
    }
  }
  ProtocolClass protocol = classifyProtocol(sig_.protocol);
  // Raw-stream content in an http rule inspects the request head (Buffer::Payload).
  http = http || (protocol == ProtocolClass::Http && !lists_[0].items.empty());
  if ((protocol == ProtocolClass::Http && tls) || (protocol == ProtocolClass::Tls && http) ||
      (http && tls)) {
    issues_.error("syntax", "rule mixes HTTP and TLS buffers with protocol " + sig_.protocol);
    return;
  }
  if (http || tls) {
    return;
  }
  if (protocol == ProtocolClass::Transport) {
    issues_.unsupported("protocol",
                        sig_.protocol + " rule without an HTTP or TLS buffer inspects packets");
  } else {
    issues_.unsupported("no_inspection_buffer", "rule inspects no HTTP or TLS buffer");
  }
}

std::string printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  bool hex = false;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    bool plain = u >= 0x20 && u < 0x7f && c != '|' && c != '"' && c != ';' && c != '\\';
    if (plain == hex) {
      out += '|'; // entering or leaving a |XX XX| run
      hex = !plain;
    } else if (hex) {
      out += ' ';
    }
    if (plain) {
      out += c;
    } else {
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  if (hex) {
    out += '|';
  }
  return out;
}

void parseRuleOptions(std::string_view body, const ParseOptions& options, Signature& signature,
                      RuleIssues& issues) {
  OptionParser parser(options, signature, issues);
  parser.parse(body);
}

} // namespace bulwark::rules::detail
