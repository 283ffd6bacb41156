#include "rules/signature.h"

namespace bulwark::rules {

const char* bufferName(Buffer buffer) noexcept {
  switch (buffer) {
  case Buffer::Uri:
    return "http.uri";
  case Buffer::UriRaw:
    return "http.uri.raw";
  case Buffer::Method:
    return "http.method";
  case Buffer::RequestLine:
    return "http.request_line";
  case Buffer::Protocol:
    return "http.protocol";
  case Buffer::Host:
    return "http.host";
  case Buffer::HostRaw:
    return "http.host.raw";
  case Buffer::Header:
    return "http.header";
  case Buffer::HeaderRaw:
    return "http.header.raw";
  case Buffer::HeaderNames:
    return "http.header_names";
  case Buffer::Cookie:
    return "http.cookie";
  case Buffer::UserAgent:
    return "http.user_agent";
  case Buffer::Referer:
    return "http.referer";
  case Buffer::Accept:
    return "http.accept";
  case Buffer::AcceptLanguage:
    return "http.accept_lang";
  case Buffer::AcceptEncoding:
    return "http.accept_enc";
  case Buffer::ContentType:
    return "http.content_type";
  case Buffer::ContentLength:
    return "http.content_len";
  case Buffer::Connection:
    return "http.connection";
  case Buffer::Start:
    return "http.start";
  case Buffer::RequestBody:
    return "http.request_body";
  case Buffer::TlsSni:
    return "tls.sni";
  case Buffer::Payload:
    return "payload";
  }
  return "unknown";
}

const char* actionName(Action action) noexcept {
  switch (action) {
  case Action::Alert:
    return "alert";
  case Action::Drop:
    return "drop";
  case Action::Reject:
    return "reject";
  case Action::Pass:
    return "pass";
  }
  return "unknown";
}

} // namespace bulwark::rules
