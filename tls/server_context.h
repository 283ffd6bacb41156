#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace bulwark::tls {

// The TLS side of one listener: OpenSSL server contexts built from its policy, one per
// certificate name set, the right one picked by SNI during the handshake.
//
// Built on the control thread; afterwards shared read-only by all workers (OpenSSL contexts are
// safe to use from several threads). Ticket keys rotate on the control thread.
class ServerContext {
public:
  // Builds the contexts for `tls`. On any problem (unreadable certificate or key, key not
  // matching its certificate, a cipher string OpenSSL refuses) returns nullptr and appends one
  // message per problem to `errors`, each naming the file.
  static std::shared_ptr<ServerContext> create(const config::ListenerTls& tls,
                                               std::string_view listener_name,
                                               std::vector<std::string>& errors);

  virtual ~ServerContext() = default;

  // The context to construct asio ssl streams with: it holds the default certificate and the
  // SNI callback that switches to the context of the matching certificate.
  virtual boost::asio::ssl::context& context() = 0;

  // Makes a new session ticket key the one that encrypts; the previous key still decrypts.
  // Control thread.
  virtual void rotateTicketKeys() = 0;

  // SHA-256 fingerprint (colon-separated hex) of the default certificate.
  virtual std::string fingerprint() const = 0;
};

// What a finished handshake negotiated, for logs and the connection table.
struct HandshakeInfo {
  std::string version;  // "TLSv1.3"
  std::string cipher;   // "TLS_AES_128_GCM_SHA256"
  std::string sni;      // empty when the client sent none
};

HandshakeInfo handshakeInfo(const SSL* ssl);

}  // namespace bulwark::tls
