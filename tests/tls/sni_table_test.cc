#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tls/test_pki.h"
#include "tls/sni_table.h"

namespace bulwark::tls {
namespace {

using testing::CertificateSpec;
using ::testing::ElementsAre;
using testing::makeCertificate;

class SniTableTest : public ::testing::Test {
protected:
  void SetUp() override {
    table_.add({"default.example.com"}, 0);
    table_.add({"a.example.com", "www.a.example.com"}, 1);
    table_.add({"*.b.example.com"}, 2);
    table_.add({"a.example.com", "*.a.example.com"}, 3);
    table_.freeze();
  }

  SniTable table_;
};

TEST_F(SniTableTest, FindsExactNames) {
  EXPECT_EQ(table_.find("default.example.com"), 0U);
  EXPECT_EQ(table_.find("www.a.example.com"), 1U);
}

TEST_F(SniTableTest, FirstConfiguredWinsForSameName) {
  EXPECT_EQ(table_.find("a.example.com"), 1U);
}

TEST_F(SniTableTest, ExactNameWinsOverWildcard) {
  EXPECT_EQ(table_.find("www.a.example.com"), 1U);
  EXPECT_EQ(table_.find("mail.a.example.com"), 3U);
}

TEST_F(SniTableTest, WildcardMatchesExactlyOneLabel) {
  EXPECT_EQ(table_.find("x.b.example.com"), 2U);
  EXPECT_EQ(table_.find("y.x.b.example.com"), SniTable::kNoMatch);
  EXPECT_EQ(table_.find("b.example.com"), SniTable::kNoMatch);
  EXPECT_EQ(table_.find(".b.example.com"), SniTable::kNoMatch);
}

TEST_F(SniTableTest, IgnoresCaseAndTrailingDot) {
  EXPECT_EQ(table_.find("WWW.A.Example.Com"), 1U);
  EXPECT_EQ(table_.find("X.B.EXAMPLE.COM."), 2U);
}

TEST_F(SniTableTest, MatchesNothingForEmptyOrOverlongNames) {
  EXPECT_EQ(table_.find(""), SniTable::kNoMatch);
  EXPECT_EQ(table_.find("."), SniTable::kNoMatch);
  EXPECT_EQ(table_.find(std::string(300, 'a') + ".b.example.com"), SniTable::kNoMatch);
}

TEST_F(SniTableTest, CertificateNamesPreferSubjectAltNames) {
  const auto certificate = makeCertificate(
      CertificateSpec{"ignored.example.com", {"B.Example.com", "a.example.com"}, {"192.0.2.1"}});
  EXPECT_THAT(certificateNames(certificate.cert.get()),
              ElementsAre("a.example.com", "b.example.com"));
}

TEST_F(SniTableTest, CertificateNamesFallBackToCommonName) {
  const auto certificate = makeCertificate(CertificateSpec{"Only.Example.com", {}, {}});
  EXPECT_THAT(certificateNames(certificate.cert.get()), ElementsAre("only.example.com"));
}

} // namespace
} // namespace bulwark::tls
