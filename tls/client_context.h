#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace bulwark::tls {

// The TLS client side of one cluster (`upstream_tls`): trusted CA, verification on by default,
// TLS 1.2+ only. Built on the control thread, then shared read-only by all workers.
class ClientContext {
public:
  // nullptr and one message per problem in `errors` (unreadable CA, bad client key ...).
  static std::shared_ptr<ClientContext> create(const config::UpstreamTls& tls,
                                               std::string_view cluster_name,
                                               std::vector<std::string>& errors);

  virtual ~ClientContext() = default;

  virtual boost::asio::ssl::context& context() = 0;

  // Prepares a new connection's SSL object: SNI and the name to verify are `server_name` from the
  // config, or `endpoint_host` when that is empty. Returns false when OpenSSL refuses the name.
  // Any worker thread.
  virtual bool prepare(SSL* ssl, std::string_view endpoint_host) const = 0;
};

}  // namespace bulwark::tls
