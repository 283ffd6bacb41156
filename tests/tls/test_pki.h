#pragma once

// Certificates made by the tests themselves: a few self-signed leaves, a CA with leaves and an
// intermediate, another CA, all written as PEM files into a temporary directory that lives as
// long as the test process.

#include <filesystem>
#include <string>
#include <vector>

#include "tls/openssl_util.h"

namespace bulwark::tls::testing {

enum class KeyKind { Ecdsa, Rsa };

struct TestCertificate {
  X509Ptr cert;
  EvpPkeyPtr key;
  std::string cert_file; // PEM: the leaf, then its chain when made with a chain
  std::string key_file;  // PEM private key

  std::string certPem() const;
  std::string keyPem() const;
};

struct CertificateSpec {
  std::string common_name;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_names;
  KeyKind key = KeyKind::Ecdsa;
  bool is_ca = false;
  const TestCertificate* issuer = nullptr; // self-signed when null
};

// Makes a certificate and key in memory (no files).
TestCertificate makeCertificate(const CertificateSpec& spec);

// A directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to `name` in the directory and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;
  std::filesystem::path path() const { return path_; }

private:
  std::filesystem::path path_;
};

// The certificates every tls test shares, made once per process (RSA keys are slow to make).
struct TestPki {
  TempDir dir;
  TestCertificate ecdsa_a;      // a.example.com, ECDSA
  TestCertificate rsa_a;        // a.example.com, RSA
  TestCertificate wildcard_b;   // *.b.example.com, ECDSA
  TestCertificate c;            // c.example.com, ECDSA
  TestCertificate ca;           // "Test Root CA"
  TestCertificate ca_leaf;      // web.internal and 127.0.0.1, issued by `ca`
  TestCertificate intermediate; // issued by `ca`
  TestCertificate chain_leaf;   // chain.internal, issued by `intermediate`; file holds the chain
  TestCertificate client;       // client.internal, issued by `ca`, for mutual TLS
  TestCertificate other_ca;     // "Other Root CA"
  TestCertificate other_leaf;   // web.internal, issued by `other_ca`
};

const TestPki& testPki();

} // namespace bulwark::tls::testing
