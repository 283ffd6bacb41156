#include "tls/policy.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <openssl/err.h>

#include "tls/openssl_util.h"

namespace bulwark::tls {
namespace {

// Every TLS 1.3 suite RFC 8446 defines. OpenSSL 3.0 silently skips the names it does not know
// in a TLS 1.3 suite list as long as one is known (a typo quietly leaves fewer suites than the
// operator wrote), so we check each name ourselves.
constexpr std::array<std::string_view, 5> kKnownCiphersuites = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"};

std::string refused(std::string_view listener, std::string_view field, std::string_view value,
                    std::string_view reason) {
  return fmt::format("listener {}: {} \"{}\": refused by OpenSSL ({})", listener, field, value,
                     reason);
}

// The first name of a TLS 1.3 suite list that is not a TLS 1.3 suite, or empty when all are.
std::string_view unknownCiphersuite(std::string_view list) {
  while (!list.empty()) {
    const size_t colon = list.find(':');
    const std::string_view name = list.substr(0, colon);
    if (std::find(kKnownCiphersuites.begin(), kKnownCiphersuites.end(), name) ==
        kKnownCiphersuites.end()) {
      return name.empty() ? std::string_view("(empty name)") : name;
    }
    list = colon == std::string_view::npos ? std::string_view() : list.substr(colon + 1);
  }
  return {};
}

bool applyCiphersuites(SSL_CTX* ctx, const std::string& suites, std::string_view listener,
                       std::vector<std::string>& errors) {
  if (const std::string_view unknown = unknownCiphersuite(suites); !unknown.empty()) {
    errors.push_back(refused(listener, "ciphersuites", suites,
                             fmt::format("unknown TLS 1.3 suite {}", unknown)));
    return false;
  }
  if (SSL_CTX_set_ciphersuites(ctx, suites.c_str()) != 1) {
    errors.push_back(refused(listener, "ciphersuites", suites, takeOpenSslErrors()));
    return false;
  }
  return true;
}

} // namespace

std::optional<Policy> resolvePolicy(const config::ListenerTls& tls, std::string_view listener,
                                    std::vector<std::string>& errors) {
  Policy policy;
  switch (tls.policy) {
  case config::TlsPolicy::Strict:
    return policy;
  case config::TlsPolicy::Tls13:
    policy.min_version = TLS1_3_VERSION;
    return policy;
  case config::TlsPolicy::Custom:
    break;
  }
  if (tls.min_version == "1.3") {
    policy.min_version = TLS1_3_VERSION;
  } else if (!tls.min_version.empty() && tls.min_version != "1.2") {
    errors.push_back(fmt::format("listener {}: min_version \"{}\": must be 1.2 or 1.3", listener,
                                 tls.min_version));
    return std::nullopt;
  }
  const auto orStrict = [](const std::string& value, std::string_view strict) {
    return value.empty() ? std::string(strict) : value;
  };
  policy.ciphers = orStrict(tls.ciphers, kStrictCiphers);
  policy.ciphersuites = orStrict(tls.ciphersuites, kStrictCiphersuites);
  policy.groups = orStrict(tls.groups, kStrictGroups);
  return policy;
}

bool applyPolicy(SSL_CTX* ctx, const Policy& policy, std::string_view listener,
                 std::vector<std::string>& errors) {
  // Versions by range rather than SSL_OP_NO_* flags: SSLv3, TLS 1.0 and 1.1 are below the
  // minimum, and a future version is not switched off by accident.
  bool ok = SSL_CTX_set_min_proto_version(ctx, policy.min_version) == 1 &&
            SSL_CTX_set_max_proto_version(ctx, 0) == 1;
  if (!ok) {
    errors.push_back(fmt::format("listener {}: min_version: refused by OpenSSL ({})", listener,
                                 takeOpenSslErrors()));
  }

  // OpenSSL accepts a TLS 1.2 list as long as one entry matches something; it refuses one that
  // leaves no TLS 1.2 cipher at all.
  if (SSL_CTX_set_cipher_list(ctx, policy.ciphers.c_str()) != 1) {
    errors.push_back(refused(listener, "ciphers", policy.ciphers, takeOpenSslErrors()));
    ok = false;
  }
  ok = applyCiphersuites(ctx, policy.ciphersuites, listener, errors) && ok;
  if (SSL_CTX_set1_groups_list(ctx, policy.groups.c_str()) != 1) {
    errors.push_back(refused(listener, "groups", policy.groups, takeOpenSslErrors()));
    ok = false;
  }
  return ok;
}

} // namespace bulwark::tls
