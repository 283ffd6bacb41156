#include <stdexcept>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls/openssl_util.h"
#include "tls/self_signed.h"
#include "tls/sni_table.h"

namespace bulwark::tls {
namespace {

using ::testing::ElementsAre;
using ::testing::MatchesRegex;

class SelfSignedTest : public ::testing::Test {
protected:
  void SetUp() override {
    generated_ = generateSelfSigned({"localhost", "127.0.0.1", "::1"});
    BioPtr cert_bio(
        BIO_new_mem_buf(generated_.cert_pem.data(), static_cast<int>(generated_.cert_pem.size())));
    BioPtr key_bio(
        BIO_new_mem_buf(generated_.key_pem.data(), static_cast<int>(generated_.key_pem.size())));
    cert_.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    key_.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    ASSERT_NE(cert_, nullptr);
    ASSERT_NE(key_, nullptr);
  }

  // The subjectAltName IP entries, as text.
  std::vector<std::string> ipEntries() const {
    std::vector<std::string> out;
    GeneralNamesPtr sans(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert_.get(), NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
      const GENERAL_NAME* entry = sk_GENERAL_NAME_value(sans.get(), i);
      if (entry->type != GEN_IPADD) {
        continue;
      }
      const int length = ASN1_STRING_length(entry->d.iPAddress);
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(entry->d.iPAddress), text,
                sizeof(text));
      out.emplace_back(text);
    }
    return out;
  }

  GeneratedCertificate generated_;
  X509Ptr cert_;
  EvpPkeyPtr key_;
};

TEST_F(SelfSignedTest, NamesHostsAsDnsAndAddressesAsIpEntries) {
  EXPECT_THAT(certificateNames(cert_.get()), ElementsAre("localhost"));
  EXPECT_THAT(ipEntries(), ElementsAre("127.0.0.1", "::1"));
}

TEST_F(SelfSignedTest, UsesEcdsaP256Key) {
  ASSERT_EQ(EVP_PKEY_get_base_id(key_.get()), EVP_PKEY_EC);
  char group[32] = {};
  size_t length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key_.get(), group, sizeof(group), &length), 1);
  EXPECT_STREQ(group, "prime256v1");
}

TEST_F(SelfSignedTest, KeyMatchesCertificateAndSignsIt) {
  EXPECT_EQ(X509_check_private_key(cert_.get(), key_.get()), 1);
  EXPECT_EQ(X509_verify(cert_.get(), key_.get()), 1);
  EXPECT_EQ(X509_get_signature_nid(cert_.get()), NID_ecdsa_with_SHA256);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())),
            0);
}

TEST_F(SelfSignedTest, IsValidNowForNinetyDays) {
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert_.get()),
                           X509_get0_notAfter(cert_.get())),
            1);
  EXPECT_GE(days, 90);
  EXPECT_LE(days, 91);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert_.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert_.get())), 0);
}

TEST_F(SelfSignedTest, IsLeafForServerAuthOnly) {
  EXPECT_EQ(X509_check_ca(cert_.get()), 0);
  EXPECT_EQ(X509_check_purpose(cert_.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
}

TEST_F(SelfSignedTest, DrawsRandomPositiveSerial) {
  const GeneratedCertificate other = generateSelfSigned({"localhost"});
  BioPtr bio(BIO_new_mem_buf(other.cert_pem.data(), static_cast<int>(other.cert_pem.size())));
  X509Ptr other_cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(other_cert, nullptr);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert_.get());
  EXPECT_NE(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(other_cert.get())), 0);
  EXPECT_NE(ASN1_STRING_type(serial), V_ASN1_NEG_INTEGER);
  EXPECT_GE(ASN1_STRING_length(serial), 16);
}

TEST_F(SelfSignedTest, FingerprintIsSha256OfCertificate) {
  EXPECT_EQ(generated_.fingerprint, sha256Fingerprint(cert_.get()));
  EXPECT_THAT(generated_.fingerprint, MatchesRegex("([0-9A-F]{2}:){31}[0-9A-F]{2}"));
}

TEST_F(SelfSignedTest, RefusesEmptyNameList) {
  EXPECT_THROW(generateSelfSigned({}), std::runtime_error);
}

} // namespace
} // namespace bulwark::tls
