#pragma once

// Real TLS handshakes inside one thread: a client SSL and a server SSL joined by an OpenSSL BIO
// pair, driven in turn until both finish or one fails. No sockets, no mocks.

#include <string>
#include <vector>

#include "tls/openssl_util.h"

namespace bulwark::tls::testing {

// What a test client offers. Empty strings and zero versions leave OpenSSL's defaults.
struct ClientOptions {
  int min_version = 0;
  int max_version = 0;
  std::string ciphers;      // TLS 1.2 list
  std::string ciphersuites; // TLS 1.3 suites
  std::string groups;
  std::string sigalgs;
  std::vector<std::string> alpn;
  // Lets the client offer what OpenSSL 3 would refuse to send at all (TLS 1.1, weak suites), so
  // that the test sees the server refuse it.
  bool allow_legacy = false;
};

// A client context without certificate verification (server tests look at what the server
// chose, not at whether the client trusts it).
SslCtxPtr makeClientContext(const ClientOptions& options = {});

struct Connection {
  SslPtr client;
  SslPtr server;
  bool ok = false;          // both sides finished the handshake
  std::string client_error; // OpenSSL's reason when the client side failed
  std::string server_error; // same for the server side

  // After the handshake: lets the client read what the server sent since (TLS 1.3 session
  // tickets), closes the client side cleanly and returns its session for a later resumption.
  SSL_SESSION* takeSession();
  bool resumed() const { return SSL_session_reused(client.get()) == 1; }
  // The key type (EVP_PKEY_EC, EVP_PKEY_RSA ...) of the certificate the server presented.
  int peerKeyType() const;
  // The SHA-256 fingerprint of the certificate the server presented.
  std::string peerFingerprint() const;
  std::string alpn() const;
};

// Runs the handshake between two prepared SSL objects.
Connection handshake(SslPtr client, SslPtr server);

// A client from `client_ctx` (SNI `sni` when not empty, resuming `session` when given) against a
// server SSL made from `server_ctx`.
Connection handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const std::string& sni = "",
                     SSL_SESSION* session = nullptr);

// Frees a session returned by Connection::takeSession.
struct SessionDeleter {
  void operator()(SSL_SESSION* session) const noexcept { SSL_SESSION_free(session); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionDeleter>;

} // namespace bulwark::tls::testing
