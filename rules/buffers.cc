#include "rules/buffers.h"

#include "common/strings.h"

namespace bulwark::rules {
namespace {

constexpr uint8_t kUnbuilt = 0;
constexpr uint8_t kPresent = 1;
constexpr uint8_t kAbsent = 2;

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = asciiLower(c);
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Percent-decoding as the rules see a query: %XX decoded, anything malformed kept as it is.
// '+' stays '+', as libhtp leaves it unless told otherwise.
void appendPercentDecoded(std::string_view in, std::string& out, bool plus_as_space) {
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 && hexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2])));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
}

bool isSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void appendHeaderLines(std::span<const HeaderField> headers, bool with_cookie, std::string& out) {
  for (const auto& field : headers) {
    if (!with_cookie && iequals(field.name, "cookie")) {
      continue;
    }
    out.append(field.name);
    out.append(": ");
    out.append(field.value);
    out.append("\r\n");
  }
}

std::string_view singleHeaderName(Buffer buffer) noexcept {
  switch (buffer) {
  case Buffer::Cookie:
    return "cookie";
  case Buffer::UserAgent:
    return "user-agent";
  case Buffer::Referer:
    return "referer";
  case Buffer::Accept:
    return "accept";
  case Buffer::AcceptLanguage:
    return "accept-language";
  case Buffer::AcceptEncoding:
    return "accept-encoding";
  case Buffer::ContentType:
    return "content-type";
  case Buffer::ContentLength:
    return "content-length";
  case Buffer::Connection:
    return "connection";
  case Buffer::HostRaw:
    return "host";
  default:
    return {};
  }
}

} // namespace

void BufferSet::reset(const RequestView& request, std::string_view body) noexcept {
  request_ = &request;
  body_ = body;
  state_.fill(kUnbuilt);
}

std::optional<std::string_view> BufferSet::get(Buffer buffer) {
  if (buffer == Buffer::Payload) {
    buffer = Buffer::Start; // the same bytes: built once for both
  }
  if (buffer == Buffer::RequestBody) {
    return body_.empty() ? std::nullopt : std::optional<std::string_view>(body_);
  }
  // Without a Cookie header, http.header holds the same bytes as http.header.raw: one copy.
  if (buffer == Buffer::Header && !hasCookie()) {
    buffer = Buffer::HeaderRaw;
  }
  const auto built = static_cast<size_t>(buffer);
  if (state_[built] == kUnbuilt) {
    storage_[built].clear();
    build(buffer);
  }
  if (state_[built] != kPresent) {
    return std::nullopt;
  }
  return std::string_view(storage_[built]);
}

bool BufferSet::hasCookie() const noexcept {
  for (const auto& field : request_->headers) {
    if (iequals(field.name, "cookie")) {
      return true;
    }
  }
  return false;
}

bool BufferSet::appendHeaderValues(std::string_view name, std::string& out) const {
  bool found = false;
  for (const auto& field : request_->headers) {
    if (!iequals(field.name, name)) {
      continue;
    }
    if (found) {
      out.append(", ");
    }
    out.append(field.value);
    found = true;
  }
  return found;
}

void BufferSet::build(Buffer buffer) {
  const auto index = static_cast<size_t>(buffer);
  auto& out = storage_[index];
  const auto& request = *request_;
  bool present = true;
  switch (buffer) {
  case Buffer::Uri:
    out.append(request.normalized_path);
    // "/a?" keeps its '?' with an empty query, as libhtp's normalised URI does; rules look
    // for "script.php?" whatever follows.
    if (request.target.find('?') != std::string_view::npos) {
      out.push_back('?');
      appendPercentDecoded(request.query, out, false);
    }
    break;
  case Buffer::UriRaw:
    out.append(request.target);
    break;
  case Buffer::Method:
    out.append(request.method);
    break;
  case Buffer::Protocol:
    out.append(request.protocol);
    break;
  case Buffer::RequestLine:
    out.append(request.method).append(" ").append(request.target);
    out.append(" ").append(request.protocol);
    break;
  case Buffer::Host:
    out.append(request.host);
    present = !request.host.empty();
    break;
  case Buffer::Header:
    appendHeaderLines(request.headers, false, out);
    present = !out.empty();
    break;
  case Buffer::HeaderRaw:
    appendHeaderLines(request.headers, true, out);
    present = !out.empty();
    break;
  case Buffer::HeaderNames:
    for (const auto& field : request.headers) {
      out.append("\r\n").append(field.name);
    }
    out.append("\r\n\r\n");
    present = !request.headers.empty();
    break;
  case Buffer::Start:
  case Buffer::Payload: {
    // The header lines are http.header.raw's: appended whole rather than field by field.
    const auto raw = get(Buffer::HeaderRaw);
    out.append(request.method).append(" ").append(request.target);
    out.append(" ").append(request.protocol).append("\r\n");
    out.append(raw.value_or(std::string_view{}));
    out.append("\r\n");
    break;
  }
  case Buffer::TlsSni:
    out.append(request.sni);
    present = !request.sni.empty();
    break;
  case Buffer::RequestBody:
    break; // a view of the caller's, never built here
  default:
    present = appendHeaderValues(singleHeaderName(buffer), out);
    break;
  }
  state_[index] = present ? kPresent : kAbsent;
}

void applyTransforms(std::span<const Transform> transforms, std::string_view input,
                     std::string& out) {
  out.assign(input);
  std::string scratch;
  for (const auto transform : transforms) {
    switch (transform) {
    case Transform::DotPrefix:
      out.insert(out.begin(), '.');
      break;
    case Transform::ToLowercase:
      for (auto& c : out) {
        c = asciiLower(c);
      }
      break;
    case Transform::UrlDecode:
      scratch.clear();
      appendPercentDecoded(out, scratch, true);
      out.swap(scratch);
      break;
    case Transform::StripWhitespace:
      std::erase_if(out, isSpace);
      break;
    case Transform::CompressWhitespace: {
      size_t write = 0;
      bool in_space = false;
      for (size_t read = 0; read < out.size(); ++read) {
        const bool space = isSpace(out[read]);
        if (!space || !in_space) {
          out[write++] = space ? ' ' : out[read];
        }
        in_space = space;
      }
      out.resize(write);
      break;
    }
    }
  }
}

} // namespace bulwark::rules
