#include "tests/tls/test_pki.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace bulwark::tls::testing {
namespace {

using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;

void check(bool ok, const std::string& what) {
  if (!ok) {
    throw std::runtime_error("test pki: " + what + ": " + takeOpenSslErrors());
  }
}

std::string subjectAltName(const CertificateSpec& spec) {
  std::string value;
  for (const std::string& name : spec.dns_names) {
    value += (value.empty() ? "DNS:" : ",DNS:") + name;
  }
  for (const std::string& ip : spec.ip_names) {
    value += (value.empty() ? "IP:" : ",IP:") + ip;
  }
  return value;
}

void addExtensions(X509* cert, X509* issuer, const CertificateSpec& spec) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
      {NID_key_usage,
       spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"},
      {NID_subject_key_identifier, "hash"},
  };
  if (const std::string san = subjectAltName(spec); !san.empty()) {
    extensions.emplace_back(NID_subject_alt_name, san);
  }
  for (const auto& [nid, value] : extensions) {
    ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, value);
  }
}

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

std::string toPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

void writeFiles(const TempDir& dir, const std::string& stem, TestCertificate& certificate,
                const std::string& chain_pem = "") {
  certificate.cert_file = dir.write(stem + ".crt", certificate.certPem() + chain_pem);
  certificate.key_file = dir.write(stem + ".key", certificate.keyPem());
}

} // namespace

std::string TestCertificate::certPem() const {
  return toPem(cert.get());
}
std::string TestCertificate::keyPem() const {
  return toPem(key.get());
}

TestCertificate makeCertificate(const CertificateSpec& spec) {
  static std::atomic<long> serial{1000};
  TestCertificate out;
  out.key.reset(spec.key == KeyKind::Rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
  check(out.key != nullptr, "key");
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  check(X509_set_version(cert, X509_VERSION_3) == 1, "version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) == 1, "serial");
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  check(X509_set_pubkey(cert, out.key.get()) == 1, "pubkey");

  X509_NAME* subject = X509_get_subject_name(cert);
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                   -1, -1, 0) == 1,
        "subject");
  X509* issuer = spec.issuer != nullptr ? spec.issuer->cert.get() : cert;
  EVP_PKEY* signer = spec.issuer != nullptr ? spec.issuer->key.get() : out.key.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(issuer)) == 1, "issuer");
  addExtensions(cert, issuer, spec);
  check(X509_sign(cert, signer, EVP_sha256()) > 0, "sign");
  return out;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "bulwark-tls-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::filesystem::path file = path_ / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + file.string());
  }
  return file.string();
}

const TestPki& testPki() {
  static const std::unique_ptr<TestPki> pki = [] {
    auto owned = std::make_unique<TestPki>();
    TestPki& p = *owned;
    p.ecdsa_a = makeCertificate({"a.example.com", {"a.example.com"}, {}, KeyKind::Ecdsa});
    p.rsa_a = makeCertificate({"a.example.com", {"a.example.com"}, {}, KeyKind::Rsa});
    p.wildcard_b = makeCertificate({"*.b.example.com", {"*.b.example.com"}, {}});
    p.c = makeCertificate({"c.example.com", {"c.example.com"}, {}});
    p.ca = makeCertificate({"Test Root CA", {}, {}, KeyKind::Ecdsa, true});
    p.ca_leaf = makeCertificate(
        {"web.internal", {"web.internal"}, {"127.0.0.1"}, KeyKind::Ecdsa, false, &p.ca});
    p.intermediate = makeCertificate({"Test Intermediate", {}, {}, KeyKind::Ecdsa, true, &p.ca});
    p.chain_leaf = makeCertificate(
        {"chain.internal", {"chain.internal"}, {}, KeyKind::Ecdsa, false, &p.intermediate});
    p.client =
        makeCertificate({"client.internal", {"client.internal"}, {}, KeyKind::Ecdsa, false, &p.ca});
    p.other_ca = makeCertificate({"Other Root CA", {}, {}, KeyKind::Ecdsa, true});
    p.other_leaf =
        makeCertificate({"web.internal", {"web.internal"}, {}, KeyKind::Ecdsa, false, &p.other_ca});

    writeFiles(p.dir, "ecdsa_a", p.ecdsa_a);
    writeFiles(p.dir, "rsa_a", p.rsa_a);
    writeFiles(p.dir, "wildcard_b", p.wildcard_b);
    writeFiles(p.dir, "c", p.c);
    writeFiles(p.dir, "ca", p.ca);
    writeFiles(p.dir, "ca_leaf", p.ca_leaf);
    writeFiles(p.dir, "intermediate", p.intermediate);
    writeFiles(p.dir, "chain_leaf", p.chain_leaf, p.intermediate.certPem());
    writeFiles(p.dir, "client", p.client);
    writeFiles(p.dir, "other_ca", p.other_ca);
    writeFiles(p.dir, "other_leaf", p.other_leaf);
    return owned;
  }();
  return *pki;
}

} // namespace bulwark::tls::testing
