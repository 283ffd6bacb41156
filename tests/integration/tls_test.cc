// The downstream TLS policy as a real client sees it: certificate by SNI and by signature
// algorithm, protocol versions and cipher suites refused or accepted, ALPN, HSTS.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/strings.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"
#include "tests/integration/pki.h"
#include "tests/integration/test_upstream.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

// The config under test (a fmt format string: `{{` is a literal brace).
constexpr char kConfig[] = R"(listeners:
  - name: https
    address: 127.0.0.1:{}
    tls:
      policy: strict
      certificates:
{}      hsts: "{}"
    routes:
      - path_prefix: /
        cluster: web
clusters:
  - name: web
    endpoints:
      - address: {}
)";

constexpr const char* kHsts = "max-age=63072000; includeSubDomains";

class TlsTest : public ::testing::Test {
protected:
  // An HTTPS listener serving `certs` (the first is the default), with HSTS, in front of the
  // echo upstream.
  void startGateway(const std::vector<CertFiles>& certs) {
    std::string cert_yaml;
    for (const auto& c : certs) {
      cert_yaml += fmt::format("        - cert: {}\n          key: {}\n", c.cert, c.key);
    }
    const std::string yaml = fmt::format(kConfig, port_, cert_yaml, kHsts, upstream_.address());
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // ECDSA and RSA certificates for one name, side by side.
  void startDualGateway() {
    startGateway({pki_.issue({"dual.test"}, KeyType::EcdsaP256),
                  pki_.issue({"dual.test"}, KeyType::Rsa2048)});
  }

  // `openssl s_client` against the listener; stdin is empty, so it ends after the handshake.
  CommandResult sClient(std::vector<std::string> args) const {
    std::vector<std::string> argv{"openssl", "s_client", "-connect",
                                  fmt::format("127.0.0.1:{}", port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, 15s);
  }

  // A handshake the server refused: no certificate reached the client, the server sent the
  // alert `alert` (so the refusal was the server's, not the client's own), and the gateway
  // counted a handshake error.
  void expectRefused(const CommandResult& result, const std::string& alert) {
    const std::string all = result.out + result.err;
    EXPECT_NE(result.exit_code, 0) << all;
    EXPECT_EQ(all.find("BEGIN CERTIFICATE"), std::string::npos) << all;
    EXPECT_NE(all.find(alert), std::string::npos) << "expected the server's alert: " << all;
    EXPECT_TRUE(gateway_.waitForStat("listener.https.downstream_cx_tls_handshake_error", 1));
  }

  TempDir dir_;
  Pki pki_{dir_};
  TestUpstream upstream_{"web"};
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
};

TEST_F(TlsTest, ChoosesCertificateBySni) {
  ASSERT_NO_FATAL_FAILURE(startGateway({pki_.issue({"a.test"}), pki_.issue({"b.test"})}));

  const auto b = sClient({"-servername", "b.test"});
  EXPECT_NE(b.out.find("subject=CN = b.test"), std::string::npos) << b.out << b.err;
  const auto a = sClient({"-servername", "a.test"});
  EXPECT_NE(a.out.find("subject=CN = a.test"), std::string::npos) << a.out << a.err;

  // An unknown name gets the first (default) certificate.
  const auto other = sClient({"-servername", "unknown.test"});
  EXPECT_NE(other.out.find("subject=CN = a.test"), std::string::npos) << other.out;
}

TEST_F(TlsTest, ChoosesRsaCertificateForRsaOnlyClient) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());

  const auto rsa = sClient({"-servername", "dual.test", "-tls1_2", "-sigalgs", "RSA+SHA256"});
  EXPECT_NE(rsa.out.find("Server public key is 2048 bit"), std::string::npos) << rsa.out;
  EXPECT_NE(rsa.out.find("Peer signature type: RSA"), std::string::npos) << rsa.out;

  const auto pss =
      sClient({"-servername", "dual.test", "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"});
  EXPECT_NE(pss.out.find("Server public key is 2048 bit"), std::string::npos) << pss.out;
}

TEST_F(TlsTest, ChoosesEcdsaCertificateForEcdsaClient) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());

  const auto ec = sClient({"-servername", "dual.test", "-sigalgs", "ECDSA+SHA256"});
  EXPECT_NE(ec.out.find("Server public key is 256 bit"), std::string::npos) << ec.out;
  EXPECT_NE(ec.out.find("Peer signature type: ECDSA"), std::string::npos) << ec.out;
}

TEST_F(TlsTest, RefusesTls11Client) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  // SECLEVEL=0 lets Debian's OpenSSL offer TLS 1.1 at all; the refusal must be the server's.
  const auto result = sClient({"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  expectRefused(result, "alert protocol version");
}

TEST_F(TlsTest, RefusesTls10Client) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  const auto result = sClient({"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"});
  expectRefused(result, "alert protocol version");
}

TEST_F(TlsTest, RefusesCbcOnlyClient) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  const auto result = sClient({"-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"});
  expectRefused(result, "alert handshake failure");
}

TEST_F(TlsTest, RefusesRsaKeyExchangeClient) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  const auto result = sClient({"-tls1_2", "-cipher", "AES128-GCM-SHA256"});
  expectRefused(result, "alert handshake failure");
}

TEST_F(TlsTest, AcceptsTls12EcdheEcdsaGcmClient) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  const auto result = sClient({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"});
  EXPECT_NE(result.out.find("Protocol  : TLSv1.2"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Cipher    : ECDHE-ECDSA-AES128-GCM-SHA256"), std::string::npos)
      << result.out;
  EXPECT_EQ(gateway_.stat("listener.https.downstream_cx_tls_handshake_error"), 0);
}

TEST_F(TlsTest, AcceptsTls13Client) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  const auto result = sClient({"-tls1_3"});
  EXPECT_NE(result.out.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << result.out;
  EXPECT_EQ(gateway_.stat("listener.https.downstream_cx_tls_handshake_error"), 0);
}

TEST_F(TlsTest, NegotiatesHttp11Alpn) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  // The gateway speaks HTTP/1.1 only: offered h2 first, it must still pick http/1.1.
  const auto result = sClient({"-alpn", "h2,http/1.1"});
  EXPECT_NE(result.out.find("ALPN protocol: http/1.1"), std::string::npos) << result.out;
}

TEST_F(TlsTest, AddsHstsHeader) {
  ASSERT_NO_FATAL_FAILURE(startDualGateway());
  const auto result =
      curl({"-k", "-D", "-", "-o", "/dev/null", fmt::format("https://127.0.0.1:{}/page", port_)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string headers = toLowerAscii(result.out);
  EXPECT_NE(headers.find("strict-transport-security: " + toLowerAscii(kHsts)), std::string::npos)
      << result.out;
  EXPECT_NE(headers.find("x-upstream: web"), std::string::npos) << result.out;
}

} // namespace
} // namespace bulwark::testing
