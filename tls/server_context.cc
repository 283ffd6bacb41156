#include "tls/server_context.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/logging.h"
#include "tls/openssl_util.h"
#include "tls/policy.h"
#include "tls/self_signed.h"
#include "tls/sni_table.h"
#include "tls/ticket_keys.h"

namespace bulwark::tls {
namespace {

constexpr std::string_view kHttp11 = "http/1.1";

// One certificate with its key, read and checked before any context is built, so that every
// broken file is reported in one go.
struct CertificateMaterial {
  std::string label;     // the certificate file as configured, or "self-signed"
  std::string cert_file; // the chain to load; empty for a certificate made in memory
  X509Ptr cert;          // the leaf
  EvpPkeyPtr key;
  std::vector<std::string> names;
};

// Certificates answering for exactly the same names share one SSL_CTX: OpenSSL keeps one
// certificate per key type in a context and picks by the client's signature algorithms, which
// is how an ECDSA and an RSA certificate stand side by side.
struct CertificateGroup {
  std::vector<std::string> names;
  std::vector<const CertificateMaterial*> members;
};

// What the SNI callback needs. Owned by the default SSL_CTX (see CtxSlot), which thereby also
// keeps the other contexts alive; contexts[0] is the default context itself and not owned here.
struct SniState {
  SniTable table;
  std::vector<SSL_CTX*> contexts;
  std::vector<SslCtxPtr> owned;
};

const CtxSlot<SniState>& sniSlot() {
  static const CtxSlot<SniState> slot;
  return slot;
}

// Picks the context whose certificates answer for the client's SNI. No SNI, or a name no
// certificate answers for, keeps the default context: refusing would only break clients that
// never send SNI (old ones, health checkers connecting by address). Runs on every handshake
// with SNI, from any worker: the table is immutable and the lookup allocates nothing.
int selectContextBySni(SSL* ssl, int* /*alert*/, void* arg) {
  const auto* state = static_cast<const SniState*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (state == nullptr || name == nullptr) {
    return SSL_TLSEXT_ERR_OK;
  }
  const size_t index = state->table.find(name);
  if (index == SniTable::kNoMatch || index == 0 || index >= state->contexts.size()) {
    return SSL_TLSEXT_ERR_OK;
  }
  SSL_set_SSL_CTX(ssl, state->contexts[index]);
  return SSL_TLSEXT_ERR_OK;
}

// Chooses http/1.1 when the client offers it. A client offering only other protocols (h2 from
// a browser that would fall back) gets no ALPN answer instead of a no_application_protocol
// alert, and then speaks HTTP/1.1 as it would without ALPN.
int selectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
               const unsigned char* in, unsigned int in_length, void* /*arg*/) {
  unsigned int offset = 0;
  while (offset < in_length) {
    const unsigned int length = in[offset];
    if (length == 0 || offset + 1 + length > in_length) {
      break;
    }
    const auto* name = reinterpret_cast<const char*>(in + offset + 1);
    if (std::string_view(name, length) == kHttp11) {
      *out = in + offset + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    offset += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

std::string formatError(std::string_view listener, std::string_view what, std::string_view file,
                        std::string_view problem) {
  return fmt::format("listener {}: {} {}: {}", listener, what, file, problem);
}

// An expired certificate still loads (a listener that refuses to start is worse than one that
// serves a certificate clients refuse), but the operator must hear of it.
void warnIfExpired(X509* cert, std::string_view listener, std::string_view label) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
    log(LogArea::Tls).warn("listener={} certificate={} expired", listener, label);
  }
}

std::optional<CertificateMaterial> readMaterial(const config::Certificate& configured,
                                                std::string_view listener,
                                                std::vector<std::string>& errors) {
  CertificateMaterial material{configured.cert_file, configured.cert_file, nullptr, nullptr, {}};
  std::string error;
  material.cert = readCertificateFile(configured.cert_file, error);
  if (!material.cert) {
    errors.push_back(formatError(listener, "certificate", configured.cert_file, error));
  }
  material.key = readPrivateKeyFile(configured.key_file, error);
  if (!material.key) {
    errors.push_back(formatError(listener, "key", configured.key_file, error));
  }
  if (!material.cert || !material.key) {
    return std::nullopt;
  }
  if (X509_check_private_key(material.cert.get(), material.key.get()) != 1) {
    ERR_clear_error();
    errors.push_back(
        formatError(listener, "certificate", configured.cert_file,
                    fmt::format("key does not match certificate (key {})", configured.key_file)));
    return std::nullopt;
  }
  material.names = certificateNames(material.cert.get());
  warnIfExpired(material.cert.get(), listener, material.label);
  return material;
}

// The embedded default's certificate: made at start for the loopback names, so a first run
// serves TLS without files. Clients will not trust it; the fingerprint in the log lets an
// operator pin it.
CertificateMaterial generateMaterial(std::string_view listener) {
  const GeneratedCertificate generated = generateSelfSigned({"localhost", "127.0.0.1", "::1"});
  BioPtr cert_bio(
      BIO_new_mem_buf(generated.cert_pem.data(), static_cast<int>(generated.cert_pem.size())));
  BioPtr key_bio(
      BIO_new_mem_buf(generated.key_pem.data(), static_cast<int>(generated.key_pem.size())));
  CertificateMaterial material{"self-signed", "", nullptr, nullptr, {}};
  if (cert_bio && key_bio) {
    material.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    material.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  }
  if (!material.cert || !material.key) {
    throw std::runtime_error("cannot load the self-signed certificate: " + takeOpenSslErrors());
  }
  material.names = certificateNames(material.cert.get());
  log(LogArea::Tls)
      .info("listener={} self-signed certificate generated fingerprint=SHA256:{}", listener,
            generated.fingerprint);
  return material;
}

std::vector<CertificateMaterial> loadMaterials(const config::ListenerTls& tls,
                                               std::string_view listener,
                                               std::vector<std::string>& errors) {
  std::vector<CertificateMaterial> materials;
  for (const config::Certificate& configured : tls.certificates) {
    if (std::optional<CertificateMaterial> material = readMaterial(configured, listener, errors)) {
      materials.push_back(std::move(*material));
    }
  }
  if (tls.self_signed) {
    materials.push_back(generateMaterial(listener));
  }
  return materials;
}

// Groups certificates by identical name sets, keeping configuration order (the first group is
// the default). Two certificates of one key type for the same names cannot share a context:
// the second would silently replace the first, so that is an error.
std::vector<CertificateGroup> groupByNames(const std::vector<CertificateMaterial>& materials,
                                           std::string_view listener,
                                           std::vector<std::string>& errors) {
  std::vector<CertificateGroup> groups;
  for (const CertificateMaterial& material : materials) {
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const CertificateGroup& g) { return g.names == material.names; });
    if (group == groups.end()) {
      groups.push_back({material.names, {&material}});
      continue;
    }
    const int key_type = EVP_PKEY_get_base_id(material.key.get());
    for (const CertificateMaterial* other : group->members) {
      if (EVP_PKEY_get_base_id(other->key.get()) == key_type) {
        errors.push_back(
            formatError(listener, "certificate", material.label,
                        fmt::format("same names and key type as certificate {}", other->label)));
      }
    }
    group->members.push_back(&material);
  }
  return groups;
}

// All contexts of a listener share one session id context: after an SNI switch OpenSSL checks a
// resumed session against the new context's, and a mismatch would refuse the resumption.
std::array<unsigned char, SSL_MAX_SID_CTX_LENGTH> sessionIdContext(std::string_view listener) {
  std::array<unsigned char, SSL_MAX_SID_CTX_LENGTH> sid{};
  const std::string input = fmt::format("bulwark listener {}", listener);
  static_assert(SSL_MAX_SID_CTX_LENGTH == 32, "SHA-256 fills the session id context");
  if (EVP_Digest(input.data(), input.size(), sid.data(), nullptr, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("cannot derive the session id context: " + takeOpenSslErrors());
  }
  return sid;
}

// What every context of a listener has besides its policy and certificates.
bool applyCommon(SSL_CTX* ctx, const std::array<unsigned char, SSL_MAX_SID_CTX_LENGTH>& sid,
                 const std::shared_ptr<TicketKeyRing>& ring) {
  // Renegotiation: a client-driven CPU sink and the root of several past attacks; nothing we
  // serve needs it (OpenSSL 3 refuses a client's by default; this also covers our side).
  // Compression: CRIME. Server preference: our order puts the fastest strong suites first,
  // and PRIORITIZE_CHACHA still gives ChaCha20 to a client without AES hardware that asks
  // for it first.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
  SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);

  // Tickets only: a server-side cache would be per process and per worker, so a client landing
  // on another instance behind the layer-4 balancer could not resume anyway. Early data stays
  // off (OpenSSL's default): 0-RTT requests can be replayed.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, nullptr);
  SSL_CTX_set_default_passwd_cb(ctx, declinePassphrase);
  return SSL_CTX_set_session_id_context(ctx, sid.data(), sid.size()) == 1 &&
         TicketKeyRing::install(ctx, ring);
}

bool installCertificates(SSL_CTX* ctx, const CertificateGroup& group, std::string_view listener,
                         std::vector<std::string>& errors) {
  bool ok = true;
  for (const CertificateMaterial* material : group.members) {
    const bool loaded =
        material->cert_file.empty()
            ? SSL_CTX_use_certificate(ctx, material->cert.get()) == 1
            : SSL_CTX_use_certificate_chain_file(ctx, material->cert_file.c_str()) == 1;
    if (!loaded) {
      errors.push_back(formatError(listener, "certificate", material->label,
                                   "cannot load chain: " + takeOpenSslErrors()));
      ok = false;
      continue;
    }
    // The chain file is read a second time here; check again in case it changed meanwhile.
    if (SSL_CTX_use_PrivateKey(ctx, material->key.get()) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      errors.push_back(
          formatError(listener, "certificate", material->label, "key does not match certificate"));
      ok = false;
    }
  }
  return ok;
}

SslCtxPtr buildGroupContext(const CertificateGroup& group, const Policy& policy,
                            const std::array<unsigned char, SSL_MAX_SID_CTX_LENGTH>& sid,
                            const std::shared_ptr<TicketKeyRing>& ring, std::string_view listener,
                            std::vector<std::string>& errors) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    errors.push_back(
        fmt::format("listener {}: cannot create a TLS context: {}", listener, takeOpenSslErrors()));
    return nullptr;
  }
  if (!applyPolicy(ctx.get(), policy, listener, errors)) {
    return nullptr;
  }
  if (!applyCommon(ctx.get(), sid, ring)) {
    errors.push_back(fmt::format("listener {}: cannot set up session tickets: {}", listener,
                                 takeOpenSslErrors()));
    return nullptr;
  }
  if (!installCertificates(ctx.get(), group, listener, errors)) {
    return nullptr;
  }
  return ctx;
}

class ServerContextImpl final : public ServerContext {
public:
  ServerContextImpl(SslCtxPtr default_ctx, std::shared_ptr<TicketKeyRing> ring,
                    std::string fingerprint, std::string listener)
      : context_(default_ctx.release()), ring_(std::move(ring)),
        fingerprint_(std::move(fingerprint)), listener_(std::move(listener)) {}

  boost::asio::ssl::context& context() override { return context_; }

  void rotateTicketKeys() override {
    if (!ring_->rotate()) {
      log(LogArea::Tls)
          .error("listener={} session ticket key rotation failed: random generator "
                 "error; keeping the current keys",
                 listener_);
      return;
    }
    log(LogArea::Tls).debug("listener={} session ticket keys rotated", listener_);
  }

  std::string fingerprint() const override { return fingerprint_; }

private:
  boost::asio::ssl::context context_;
  std::shared_ptr<TicketKeyRing> ring_;
  std::string fingerprint_;
  std::string listener_;
};

// Builds one context per certificate group and the SNI table over them; the first group's
// context is the default and carries the SNI callback.
std::shared_ptr<ServerContext> build(const config::ListenerTls& tls, std::string_view listener,
                                     std::vector<std::string>& errors) {
  const size_t errors_before = errors.size();
  const std::optional<Policy> policy = resolvePolicy(tls, listener, errors);
  const std::vector<CertificateMaterial> materials = loadMaterials(tls, listener, errors);
  if (materials.empty() && errors.size() == errors_before) {
    errors.push_back(fmt::format(
        "listener {}: tls needs at least one certificate or self_signed: true", listener));
  }
  const std::vector<CertificateGroup> groups = groupByNames(materials, listener, errors);
  if (!policy || errors.size() != errors_before) {
    return nullptr;
  }

  auto ring = std::make_shared<TicketKeyRing>();
  const auto sid = sessionIdContext(listener);
  auto state = std::make_shared<SniState>();
  std::vector<SslCtxPtr> contexts;
  for (size_t i = 0; i < groups.size(); ++i) {
    SslCtxPtr ctx = buildGroupContext(groups[i], *policy, sid, ring, listener, errors);
    if (!ctx) {
      return nullptr;
    }
    state->table.add(groups[i].names, i);
    state->contexts.push_back(ctx.get());
    contexts.push_back(std::move(ctx));
  }
  state->table.freeze();
  std::move(contexts.begin() + 1, contexts.end(), std::back_inserter(state->owned));

  SSL_CTX* default_ctx = contexts.front().get();
  if (!sniSlot().attach(default_ctx, state)) {
    errors.push_back(
        fmt::format("listener {}: cannot set up SNI: {}", listener, takeOpenSslErrors()));
    return nullptr;
  }
  SSL_CTX_set_tlsext_servername_callback(default_ctx, selectContextBySni);
  SSL_CTX_set_tlsext_servername_arg(default_ctx, state.get());

  std::string fingerprint = sha256Fingerprint(materials.front().cert.get());
  log(LogArea::Tls)
      .info("listener={} tls ready certificates={} contexts={} fingerprint=SHA256:{}", listener,
            materials.size(), groups.size(), fingerprint);
  return std::make_shared<ServerContextImpl>(std::move(contexts.front()), std::move(ring),
                                             std::move(fingerprint), std::string(listener));
}

} // namespace

std::shared_ptr<ServerContext> ServerContext::create(const config::ListenerTls& tls,
                                                     std::string_view listener_name,
                                                     std::vector<std::string>& errors) {
  // OpenSSL reports through a per-thread queue; start clean so that stale entries from
  // elsewhere do not end up in our messages, and leave it clean for the next user.
  ERR_clear_error();
  std::shared_ptr<ServerContext> built;
  try {
    built = build(tls, listener_name, errors);
  } catch (const std::exception& e) {
    errors.push_back(fmt::format("listener {}: tls: {}", listener_name, e.what()));
    built = nullptr;
  }
  ERR_clear_error();
  return built;
}

HandshakeInfo handshakeInfo(const SSL* ssl) {
  HandshakeInfo info;
  if (ssl == nullptr) {
    return info;
  }
  info.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
    info.cipher = SSL_CIPHER_get_name(cipher);
  }
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
    info.sni = sni;
  }
  return info;
}

} // namespace bulwark::tls
