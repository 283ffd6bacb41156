#pragma once

#include <string>
#include <vector>

namespace bulwark::tls {

struct GeneratedCertificate {
  std::string cert_pem;
  std::string key_pem;
  std::string fingerprint;  // SHA-256, colon-separated upper-case hex
};

// Makes an ECDSA P-256 key and a self-signed certificate valid for `names` (DNS names or IP
// addresses, as subjectAltName) for 90 days. Used by the embedded default config; throws
// std::runtime_error if OpenSSL fails (it does not on a sane system).
GeneratedCertificate generateSelfSigned(const std::vector<std::string>& names);

}  // namespace bulwark::tls
