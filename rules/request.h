#pragma once

// What the inspection engine sees of a request: views into the proxy's own parsed request, so
// that inspecting costs no copy of what the proxy already holds. Nothing here owns memory; every
// view must stay valid for the inspection call it is passed to.

#include <cstdint>
#include <span>
#include <string_view>

namespace bulwark::rules {

struct HeaderField {
  std::string_view name;   // as sent
  std::string_view value;  // as sent, optional whitespace around it removed
};

// One client address or listener address, IPv4 held as IPv4-mapped IPv6.
struct Endpoint {
  uint8_t address[16] = {};
  uint16_t port = 0;
};

struct RequestView {
  std::string_view method;           // "GET"
  std::string_view target;           // the request target as sent: "/a%20b?x=1"
  std::string_view normalized_path;  // after IIS-style normalisation: "/a b"
  std::string_view query;            // after '?', as sent, without the '?'
  std::string_view protocol;         // "HTTP/1.1"
  std::string_view host;             // normalised Host (lower case, no port), empty if none
  std::span<const HeaderField> headers;
  std::string_view sni;              // the TLS server name, empty on clear text
  uint32_t path_anomalies = 0;       // rules::PathAnomaly bits
  Endpoint client;
  Endpoint local;
};

}  // namespace bulwark::rules
