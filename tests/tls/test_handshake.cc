#include "tests/tls/test_handshake.h"

#include <stdexcept>

#include <openssl/err.h>

namespace bulwark::tls::testing {
namespace {

enum class Step { Done, Waiting, Failed };

// One call into a side's handshake; on failure, OpenSSL's reason into `error`. The error queue
// is per thread and both sides run on this one, so it is drained after every call.
Step drive(SSL* ssl, std::string& error) {
  const int rc = SSL_do_handshake(ssl);
  if (rc == 1) {
    return Step::Done;
  }
  const int code = SSL_get_error(ssl, rc);
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
    return Step::Waiting;
  }
  error = code == SSL_ERROR_SSL ? takeOpenSslErrors() : "SSL_get_error " + std::to_string(code);
  ERR_clear_error();
  return Step::Failed;
}

std::vector<unsigned char> alpnWire(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire;
  for (const std::string& protocol : protocols) {
    wire.push_back(static_cast<unsigned char>(protocol.size()));
    wire.insert(wire.end(), protocol.begin(), protocol.end());
  }
  return wire;
}

void require(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test client: ") + what + ": " + takeOpenSslErrors());
  }
}

} // namespace

SslCtxPtr makeClientContext(const ClientOptions& options) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  require(ctx != nullptr, "SSL_CTX_new");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (options.allow_legacy) {
    SSL_CTX_set_security_level(ctx.get(), 0);
  }
  require(SSL_CTX_set_min_proto_version(ctx.get(), options.min_version) == 1, "min version");
  require(SSL_CTX_set_max_proto_version(ctx.get(), options.max_version) == 1, "max version");
  if (!options.ciphers.empty()) {
    require(SSL_CTX_set_cipher_list(ctx.get(), options.ciphers.c_str()) == 1, "ciphers");
  }
  if (!options.ciphersuites.empty()) {
    require(SSL_CTX_set_ciphersuites(ctx.get(), options.ciphersuites.c_str()) == 1, "suites");
  }
  if (!options.groups.empty()) {
    require(SSL_CTX_set1_groups_list(ctx.get(), options.groups.c_str()) == 1, "groups");
  }
  if (!options.sigalgs.empty()) {
    require(SSL_CTX_set1_sigalgs_list(ctx.get(), options.sigalgs.c_str()) == 1, "sigalgs");
  }
  if (!options.alpn.empty()) {
    const std::vector<unsigned char> wire = alpnWire(options.alpn);
    require(SSL_CTX_set_alpn_protos(ctx.get(), wire.data(), wire.size()) == 0, "alpn");
  }
  return ctx;
}

Connection handshake(SslPtr client, SslPtr server) {
  Connection c;
  c.client = std::move(client);
  c.server = std::move(server);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  require(BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) == 1, "BIO pair");
  SSL_set_bio(c.client.get(), client_bio, client_bio);
  SSL_set_bio(c.server.get(), server_bio, server_bio);
  SSL_set_connect_state(c.client.get());
  SSL_set_accept_state(c.server.get());

  Step client_step = Step::Waiting;
  Step server_step = Step::Waiting;
  // Once one side fails, give the other a few more turns to read the alert it was sent.
  int turns_after_failure = 3;
  for (int turn = 0; turn < 100 && turns_after_failure > 0; ++turn) {
    if (client_step == Step::Waiting) {
      client_step = drive(c.client.get(), c.client_error);
    }
    if (server_step == Step::Waiting) {
      server_step = drive(c.server.get(), c.server_error);
    }
    if (client_step == Step::Done && server_step == Step::Done) {
      break;
    }
    if (client_step == Step::Failed || server_step == Step::Failed) {
      --turns_after_failure;
    }
  }
  c.ok = client_step == Step::Done && server_step == Step::Done;
  return c;
}

Connection handshake(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const std::string& sni,
                     SSL_SESSION* session) {
  SslPtr client(SSL_new(client_ctx));
  SslPtr server(SSL_new(server_ctx));
  require(client && server, "SSL_new");
  if (!sni.empty()) {
    require(SSL_set_tlsext_host_name(client.get(), sni.c_str()) == 1, "SNI");
  }
  if (session != nullptr) {
    require(SSL_set_session(client.get(), session) == 1, "session");
  }
  return handshake(std::move(client), std::move(server));
}

SSL_SESSION* Connection::takeSession() {
  // TLS 1.3 tickets arrive after the handshake; a read processes them and then finds no data.
  unsigned char byte = 0;
  const int rc = SSL_read(client.get(), &byte, 1);
  if (rc <= 0) {
    ERR_clear_error();
  }
  // Close as a well-behaved client does: OpenSSL refuses to resume a session whose connection
  // ended without close_notify (it may have been cut by an attacker).
  SSL_shutdown(client.get());
  ERR_clear_error();
  return SSL_get1_session(client.get());
}

int Connection::peerKeyType() const {
  X509* cert = SSL_get0_peer_certificate(client.get());
  return cert != nullptr ? EVP_PKEY_get_base_id(X509_get0_pubkey(cert)) : EVP_PKEY_NONE;
}

std::string Connection::peerFingerprint() const {
  X509* cert = SSL_get0_peer_certificate(client.get());
  return cert != nullptr ? sha256Fingerprint(cert) : std::string();
}

std::string Connection::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(client.get(), &data, &length);
  if (data == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(data), length);
}

} // namespace bulwark::tls::testing
