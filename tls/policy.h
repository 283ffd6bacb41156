#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "config/config.h"

namespace bulwark::tls {

// The `strict` policy (Mozilla "intermediate"): ECDHE only (forward secrecy), AEAD only (no CBC
// and its padding-oracle history), ECDSA before RSA because it signs ~10x faster.
inline constexpr std::string_view kStrictCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr std::string_view kStrictCiphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr std::string_view kStrictGroups = "X25519:P-256:P-384";

// A listener's TLS policy with every field resolved.
struct Policy {
  int min_version = TLS1_2_VERSION;
  std::string ciphers{kStrictCiphers};
  std::string ciphersuites{kStrictCiphersuites};
  std::string groups{kStrictGroups};
};

// Resolves `strict`, `tls13` or `custom` (whose empty fields take the strict value). A
// min_version other than "1.2"/"1.3" appends an error naming the listener and gives nullopt.
std::optional<Policy> resolvePolicy(const config::ListenerTls& tls, std::string_view listener,
                                    std::vector<std::string>& errors);

// Applies the policy to a server or client context: versions, TLS 1.2 ciphers, TLS 1.3 suites,
// groups. Every string OpenSSL refuses appends an error naming the listener and the field;
// returns false if any did.
bool applyPolicy(SSL_CTX* ctx, const Policy& policy, std::string_view listener,
                 std::vector<std::string>& errors);

} // namespace bulwark::tls
