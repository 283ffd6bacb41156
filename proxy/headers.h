#pragma once

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>

namespace bulwark::proxy {

// What the proxy adds about the downstream side of a request.
struct ForwardedInfo {
  std::string_view client_address;  // the peer's IP, as text
  std::string_view proto;           // "https" or "http"
  uint16_t port = 0;                // the listener's port
};

// Copies the end-to-end request headers of `in` into `out`: hop-by-hop headers (RFC 9110 7.6.1:
// Connection and every name it lists, Keep-Alive, Proxy-Connection, TE, Trailer,
// Transfer-Encoding, Upgrade, Proxy-Authorization) are left out, and so is Expect, which the
// gateway answers itself. X-Forwarded-For gets the client address appended; X-Forwarded-Proto and
// X-Forwarded-Port are replaced, since a client could otherwise claim to have come over https.
void copyRequestHeaders(const boost::beast::http::fields& in, boost::beast::http::fields& out,
                        const ForwardedInfo& forwarded);

// Copies the end-to-end response headers of `in` into `out` (the same hop-by-hop rules;
// Proxy-Authenticate is left out too).
void copyResponseHeaders(const boost::beast::http::fields& in, boost::beast::http::fields& out);

// True when `value` (a Connection header) lists `token`, case-insensitively.
bool connectionListsToken(std::string_view value, std::string_view token) noexcept;

}  // namespace bulwark::proxy
