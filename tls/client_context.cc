#include "tls/client_context.h"

#include <array>
#include <cstring>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/logging.h"
#include "tls/openssl_util.h"

namespace bulwark::tls {
namespace {

// The ALPN offer in wire format: one length-prefixed name. We only speak HTTP/1.1 upstream, and
// saying so keeps a server that would default to h2 from choosing it.
constexpr std::array<unsigned char, 9> kAlpnHttp11 = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

std::string fileError(std::string_view cluster, std::string_view what, std::string_view file,
                      std::string_view problem) {
  return fmt::format("cluster {}: {} {}: {}", cluster, what, file, problem);
}

// Whom we trust. Verification is on unless the config says `verify: false`: re-encrypting to a
// web server without checking who answers would let anyone on the path between us and the web
// tier read and change every request.
void loadTrust(SSL_CTX* ctx, const config::UpstreamTls& tls, std::string_view cluster,
               std::vector<std::string>& errors) {
  if (!tls.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    log(LogArea::Tls)
        .warn("cluster={} upstream certificate verification is off: anyone on the "
              "path to the endpoints can impersonate them",
              cluster);
    return;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (tls.ca.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      errors.push_back(fmt::format("cluster {}: cannot load the system CA store: {}", cluster,
                                   takeOpenSslErrors()));
    }
    return;
  }
  // Read the bundle once ourselves for a precise message; OpenSSL's own loader then fails on
  // a file that holds no certificate at all.
  std::string error;
  if (!readCertificateFile(tls.ca, error)) {
    errors.push_back(fileError(cluster, "ca", tls.ca, error));
    return;
  }
  if (SSL_CTX_load_verify_file(ctx, tls.ca.c_str()) != 1) {
    errors.push_back(fileError(cluster, "ca", tls.ca, "cannot load: " + takeOpenSslErrors()));
  }
}

// The optional client certificate for upstreams that require mutual TLS.
void loadClientCertificate(SSL_CTX* ctx, const config::UpstreamTls& tls, std::string_view cluster,
                           std::vector<std::string>& errors) {
  if (tls.cert.empty() && tls.key.empty()) {
    return;
  }
  if (tls.cert.empty() || tls.key.empty()) {
    errors.push_back(fmt::format("cluster {}: upstream_tls needs both cert and key", cluster));
    return;
  }
  std::string error;
  bool cert_loaded = false;
  if (!readCertificateFile(tls.cert, error)) {
    errors.push_back(fileError(cluster, "cert", tls.cert, error));
  } else if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert.c_str()) != 1) {
    errors.push_back(fileError(cluster, "cert", tls.cert, "cannot load: " + takeOpenSslErrors()));
  } else {
    cert_loaded = true;
  }
  // The key is read even when the certificate failed, so both problems show in one go.
  EvpPkeyPtr key = readPrivateKeyFile(tls.key, error);
  if (!key) {
    errors.push_back(fileError(cluster, "key", tls.key, error));
    return;
  }
  if (!cert_loaded) {
    return;
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    errors.push_back(fileError(cluster, "cert", tls.cert,
                               fmt::format("key does not match certificate (key {})", tls.key)));
  }
}

class ClientContextImpl final : public ClientContext {
public:
  ClientContextImpl(SslCtxPtr ctx, const config::UpstreamTls& tls)
      : context_(ctx.release()), server_name_(tls.server_name), verify_(tls.verify) {}

  boost::asio::ssl::context& context() override { return context_; }

  bool prepare(SSL* ssl, std::string_view endpoint_host) const noexcept override;

private:
  boost::asio::ssl::context context_;
  std::string server_name_;
  bool verify_;
};

bool ClientContextImpl::prepare(SSL* ssl, std::string_view endpoint_host) const noexcept {
  std::string_view name = server_name_.empty() ? endpoint_host : std::string_view(server_name_);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  // OpenSSL wants terminated strings; a DNS name fits in 254 characters.
  std::array<char, 256> buf{};
  if (name.empty() || name.size() >= buf.size() || name.find('\0') != std::string_view::npos) {
    return false;
  }
  std::memcpy(buf.data(), name.data(), name.size());

  // An address is never sent as SNI (RFC 6066 allows only host names) and is verified against
  // the certificate's IP entries, not its DNS names.
  if (isIpLiteral(name)) {
    if (verify_ && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), buf.data()) != 1) {
      ERR_clear_error();
      return false;
    }
    return true;
  }
  if (SSL_set_tlsext_host_name(ssl, buf.data()) != 1) {
    ERR_clear_error();
    return false;
  }
  if (!verify_) {
    return true;
  }
  // `*` only as a whole left-most label, as browsers do: "w*.example.com" matches nothing.
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, buf.data()) != 1) {
    ERR_clear_error();
    return false;
  }
  return true;
}

std::shared_ptr<ClientContext> build(const config::UpstreamTls& tls, std::string_view cluster,
                                     std::vector<std::string>& errors) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    errors.push_back(
        fmt::format("cluster {}: cannot create a TLS context: {}", cluster, takeOpenSslErrors()));
    return nullptr;
  }
  // TLS 1.2 and up. The TLS 1.2 cipher list stays OpenSSL's default (which drops the weak
  // ones): the web tier's servers are ours to fix, and a list as strict as the listener's would
  // lock out older Windows servers without making the hop safer against anyone but them.
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_default_passwd_cb(ctx.get(), declinePassphrase);

  const size_t errors_before = errors.size();
  loadTrust(ctx.get(), tls, cluster, errors);
  loadClientCertificate(ctx.get(), tls, cluster, errors);
  // Unlike most of OpenSSL, SSL_CTX_set_alpn_protos returns 0 on success.
  if (SSL_CTX_set_alpn_protos(ctx.get(), kAlpnHttp11.data(), kAlpnHttp11.size()) != 0) {
    errors.push_back(fmt::format("cluster {}: cannot set ALPN: {}", cluster, takeOpenSslErrors()));
  }
  if (errors.size() != errors_before) {
    return nullptr;
  }
  return std::make_shared<ClientContextImpl>(std::move(ctx), tls);
}

} // namespace

std::shared_ptr<ClientContext> ClientContext::create(const config::UpstreamTls& tls,
                                                     std::string_view cluster_name,
                                                     std::vector<std::string>& errors) {
  ERR_clear_error();
  std::shared_ptr<ClientContext> built;
  try {
    built = build(tls, cluster_name, errors);
  } catch (const std::exception& e) {
    errors.push_back(fmt::format("cluster {}: upstream_tls: {}", cluster_name, e.what()));
    built = nullptr;
  }
  ERR_clear_error();
  return built;
}

} // namespace bulwark::tls
