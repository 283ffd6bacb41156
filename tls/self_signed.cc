#include "tls/self_signed.h"

#include <array>
#include <stdexcept>
#include <utility>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls/openssl_util.h"

namespace bulwark::tls {
namespace {

constexpr long kValiditySeconds = 90L * 24 * 60 * 60;
// Starts validity a little in the past: a client whose clock runs behind ours would otherwise
// refuse a certificate made a second ago as "not yet valid".
constexpr long kBackdateSeconds = 5L * 60;

using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("self-signed certificate: ") + what + ": " +
                           takeOpenSslErrors());
}

void check(bool ok, const char* what) {
  if (!ok) {
    fail(what);
  }
}

// One subjectAltName entry: an iPAddress for an address literal (clients verify those against
// IP entries only), a dNSName for anything else.
GeneralNamePtr makeGeneralName(const std::string& name) {
  GeneralNamePtr entry(GENERAL_NAME_new());
  check(entry != nullptr, "GENERAL_NAME_new");
  if (isIpLiteral(name)) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str());
    check(ip != nullptr, "a2i_IPADDRESS");
    GENERAL_NAME_set0_value(entry.get(), GEN_IPADD, ip);
    return entry;
  }
  ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
  check(dns != nullptr && ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) == 1,
        "dNSName");
  GENERAL_NAME_set0_value(entry.get(), GEN_DNS, dns);
  return entry;
}

void addSubjectAltNames(X509* cert, const std::vector<std::string>& names) {
  GeneralNamesPtr sans(GENERAL_NAMES_new());
  check(sans != nullptr, "GENERAL_NAMES_new");
  for (const std::string& name : names) {
    GeneralNamePtr entry = makeGeneralName(name);
    check(sk_GENERAL_NAME_push(sans.get(), entry.get()) > 0, "subjectAltName");
    entry.release();
  }
  check(X509_add1_ext_i2d(cert, NID_subject_alt_name, sans.get(), 0, X509V3_ADD_DEFAULT) == 1,
        "subjectAltName");
}

// A leaf for TLS servers only: not a CA, may only sign handshakes. Clients that check key usage
// then cannot be talked into accepting certificates it would sign.
void addLeafExtensions(X509* cert) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  const std::array<std::pair<int, const char*>, 4> extensions = {{
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
      {NID_subject_key_identifier, "hash"},
  }};
  for (const auto& [nid, value] : extensions) {
    ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    check(extension != nullptr && X509_add_ext(cert, extension.get(), -1) == 1, value);
  }
}

// A random positive serial of 159 bits: under the 20-octet limit of RFC 5280 and unpredictable,
// so two certificates made on the same second never share a serial.
void setRandomSerial(X509* cert) {
  BignumPtr serial(BN_new());
  check(serial != nullptr && BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1,
        "serial");
  check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr, "serial");
}

void setSubject(X509* cert, const std::string& common_name) {
  X509_NAME* subject = X509_get_subject_name(cert);
  // A CN is at most 64 characters (RFC 5280 ub-common-name); the SAN carries the real names.
  const std::string cn = common_name.substr(0, 64);
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "subject");
  check(X509_set_issuer_name(cert, subject) == 1, "issuer");
}

std::string toPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM certificate");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

std::string toPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr &&
            PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM key");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

} // namespace

GeneratedCertificate generateSelfSigned(const std::vector<std::string>& names) {
  if (names.empty()) {
    throw std::runtime_error("self-signed certificate: no names");
  }
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "P-256 key");

  X509Ptr cert(X509_new());
  check(cert != nullptr && X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_new");
  setRandomSerial(cert.get());
  setSubject(cert.get(), names.front());
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) != nullptr,
        "validity");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
  addSubjectAltNames(cert.get(), names);
  addLeafExtensions(cert.get());
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signature");

  GeneratedCertificate out;
  out.cert_pem = toPem(cert.get());
  out.key_pem = toPem(key.get());
  out.fingerprint = sha256Fingerprint(cert.get());
  check(!out.fingerprint.empty(), "fingerprint");
  return out;
}

} // namespace bulwark::tls
