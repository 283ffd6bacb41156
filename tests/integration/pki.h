#pragma once

// Certificates for the tests, made with the `openssl` command line: a CA, leaf certificates
// signed by it, and self-signed ones. Keys are ECDSA P-256 or RSA 2048.

#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace bulwark::testing {

enum class KeyType { EcdsaP256, Rsa2048 };

// A certificate and its key as files.
struct CertFiles {
  std::string cert;
  std::string key;
};

// A test CA in a directory of its own. Every call throws std::runtime_error with openssl's
// output when openssl fails, so a broken PKI shows as a clear test error.
class Pki {
public:
  // Creates the CA (`common_name`, ECDSA P-256) in `dir`/pki-<tag>/.
  Pki(const TempDir& dir, const std::string& common_name = "Bulwark Test CA",
      const std::string& tag = "ca");

  const std::string& caCert() const { return ca_.cert; }

  // A server certificate signed by this CA: CN is the first name, every name a DNS
  // subjectAltName (plus IP:127.0.0.1).
  CertFiles issue(const std::vector<std::string>& names, KeyType type = KeyType::EcdsaP256);

  // A self-signed server certificate for `names`, not signed by any CA.
  CertFiles selfSigned(const std::vector<std::string>& names, KeyType type = KeyType::EcdsaP256);

private:
  std::string makeKey(const std::string& stem, KeyType type);
  std::string writeExtensions(const std::string& stem, const std::vector<std::string>& names);

  std::string dir_;
  CertFiles ca_;
  int serial_ = 0;
};

// Runs openssl with `args`, throwing with its output when it fails.
void runOpenssl(const std::vector<std::string>& args);

} // namespace bulwark::testing
