#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tls/test_handshake.h"
#include "tests/tls/test_pki.h"
#include "tls/client_context.h"
#include "tls/server_context.h"

namespace bulwark::tls {
namespace {

using ::testing::AllOf;
using testing::Connection;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestCertificate;
using testing::testPki;

class ClientContextTest : public ::testing::Test {
protected:
  static std::shared_ptr<ClientContext> create(const config::UpstreamTls& tls) {
    std::vector<std::string> errors;
    std::shared_ptr<ClientContext> client = ClientContext::create(tls, "web", errors);
    EXPECT_THAT(errors, ElementsAre());
    return client;
  }

  static std::vector<std::string> createErrors(const config::UpstreamTls& tls) {
    std::vector<std::string> errors;
    EXPECT_EQ(ClientContext::create(tls, "web", errors), nullptr);
    return errors;
  }

  config::UpstreamTls trusting(const TestCertificate& ca) const {
    config::UpstreamTls tls;
    tls.ca = ca.cert_file;
    return tls;
  }

  // A server context presenting `certificate` (no client certificate requested).
  static SslCtxPtr serverWith(const TestCertificate& certificate) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), certificate.cert.get()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), certificate.key.get()), 1);
    return ctx;
  }

  static Connection connect(ClientContext& client, SSL_CTX* server_ctx, std::string_view host) {
    SslPtr client_ssl(SSL_new(client.context().native_handle()));
    EXPECT_TRUE(client.prepare(client_ssl.get(), host)) << host;
    SslPtr server_ssl(SSL_new(server_ctx));
    return testing::handshake(std::move(client_ssl), std::move(server_ssl));
  }

  const testing::TestPki& pki_ = testPki();
};

// --- verification -----------------------------------------------------------------------------

TEST_F(ClientContextTest, AcceptsServerFromConfiguredCaWithRightName) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  Connection c = connect(*client, server.get(), "web.internal");
  ASSERT_TRUE(c.ok) << c.client_error;
  EXPECT_EQ(SSL_get_verify_result(c.client.get()), X509_V_OK);
}

TEST_F(ClientContextTest, RefusesServerFromDifferentCa) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.other_leaf);
  Connection c = connect(*client, server.get(), "web.internal");
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.client_error, HasSubstr("certificate verify failed"));
}

TEST_F(ClientContextTest, RefusesServerWithWrongName) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  Connection c = connect(*client, server.get(), "db.internal");
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.client_error, HasSubstr("certificate verify failed"));
  EXPECT_EQ(SSL_get_verify_result(c.client.get()), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(ClientContextTest, VerifiesIntermediateChainSentByServer) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  config::ListenerTls listener;
  listener.certificates.push_back({pki_.chain_leaf.cert_file, pki_.chain_leaf.key_file});
  std::vector<std::string> errors;
  auto server = ServerContext::create(listener, "internal", errors);
  ASSERT_NE(server, nullptr);
  Connection c = connect(*client, server->context().native_handle(), "chain.internal");
  EXPECT_TRUE(c.ok) << c.client_error;
}

TEST_F(ClientContextTest, VerifiesAddressAgainstIpEntriesWithoutSni) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  Connection c = connect(*client, server.get(), "127.0.0.1");
  ASSERT_TRUE(c.ok) << c.client_error;
  EXPECT_EQ(handshakeInfo(c.server.get()).sni, "");

  Connection wrong = connect(*client, server.get(), "127.0.0.2");
  EXPECT_FALSE(wrong.ok);
  EXPECT_EQ(SSL_get_verify_result(wrong.client.get()), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST_F(ClientContextTest, SendsHostAsSni) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  Connection c = connect(*client, server.get(), "web.internal");
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(handshakeInfo(c.server.get()).sni, "web.internal");
}

TEST_F(ClientContextTest, ServerNameFromConfigOverridesEndpointHost) {
  config::UpstreamTls tls = trusting(pki_.ca);
  tls.server_name = "web.internal";
  auto client = create(tls);
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  Connection c = connect(*client, server.get(), "10.1.2.3");
  ASSERT_TRUE(c.ok) << c.client_error;
  EXPECT_EQ(handshakeInfo(c.server.get()).sni, "web.internal");
}

TEST_F(ClientContextTest, VerifyFalseAcceptsAnyServer) {
  config::UpstreamTls tls;
  tls.verify = false;
  auto client = create(tls);
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.other_leaf);
  Connection c = connect(*client, server.get(), "anything.example");
  EXPECT_TRUE(c.ok) << c.client_error;
}

TEST_F(ClientContextTest, SystemStoreDoesNotTrustTestCa) {
  auto client = create(config::UpstreamTls{});
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  Connection c = connect(*client, server.get(), "web.internal");
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.client_error, HasSubstr("certificate verify failed"));
}

// --- protocol ---------------------------------------------------------------------------------

TEST_F(ClientContextTest, OffersHttp11Alpn) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  config::ListenerTls listener;
  listener.certificates.push_back({pki_.ca_leaf.cert_file, pki_.ca_leaf.key_file});
  std::vector<std::string> errors;
  auto server = ServerContext::create(listener, "internal", errors);
  ASSERT_NE(server, nullptr);
  Connection c = connect(*client, server->context().native_handle(), "web.internal");
  ASSERT_TRUE(c.ok) << c.client_error;
  EXPECT_EQ(c.alpn(), "http/1.1");
}

TEST_F(ClientContextTest, RefusesTls11Server) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  SSL_CTX_set_security_level(server.get(), 0);
  SSL_CTX_set_min_proto_version(server.get(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(server.get(), TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(server.get(), "DEFAULT:@SECLEVEL=0");
  Connection c = connect(*client, server.get(), "web.internal");
  EXPECT_FALSE(c.ok);
  EXPECT_FALSE(c.client_error.empty() && c.server_error.empty());
}

TEST_F(ClientContextTest, PresentsClientCertificateForMutualTls) {
  config::UpstreamTls tls = trusting(pki_.ca);
  tls.cert = pki_.client.cert_file;
  tls.key = pki_.client.key_file;
  auto client = create(tls);
  ASSERT_NE(client, nullptr);
  SslCtxPtr server = serverWith(pki_.ca_leaf);
  SSL_CTX_set_verify(server.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  ASSERT_EQ(SSL_CTX_load_verify_file(server.get(), pki_.ca.cert_file.c_str()), 1);

  Connection c = connect(*client, server.get(), "web.internal");
  ASSERT_TRUE(c.ok) << c.client_error << " / " << c.server_error;
  X509* presented = SSL_get0_peer_certificate(c.server.get());
  ASSERT_NE(presented, nullptr);
  EXPECT_EQ(sha256Fingerprint(presented), sha256Fingerprint(pki_.client.cert.get()));

  // Control: the same server refuses a client without a certificate.
  auto anonymous = create(trusting(pki_.ca));
  ASSERT_NE(anonymous, nullptr);
  EXPECT_FALSE(connect(*anonymous, server.get(), "web.internal").ok);
}

TEST_F(ClientContextTest, PrepareStripsBracketsAndSendsNoSniForIpv6) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslPtr ssl(SSL_new(client->context().native_handle()));
  EXPECT_TRUE(client->prepare(ssl.get(), "[::1]"));
  EXPECT_EQ(SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name), nullptr);
}

TEST_F(ClientContextTest, PrepareRefusesEmptyName) {
  auto client = create(trusting(pki_.ca));
  ASSERT_NE(client, nullptr);
  SslPtr ssl(SSL_new(client->context().native_handle()));
  EXPECT_FALSE(client->prepare(ssl.get(), ""));
}

// --- errors -----------------------------------------------------------------------------------

TEST_F(ClientContextTest, MissingCaFileErrorNamesFile) {
  config::UpstreamTls tls;
  tls.ca = "/nonexistent/internal-ca.crt";
  EXPECT_THAT(createErrors(tls),
              ElementsAre("cluster web: ca /nonexistent/internal-ca.crt: no such file"));
}

TEST_F(ClientContextTest, UnparsableCaErrorNamesFile) {
  config::UpstreamTls tls;
  tls.ca = pki_.dir.write("garbage-ca.crt", "-----BEGIN NOTHING-----\n");
  EXPECT_THAT(createErrors(tls), ElementsAre("cluster web: ca " + tls.ca + ": cannot parse PEM"));
}

TEST_F(ClientContextTest, ClientCertificateWithoutKeyIsError) {
  config::UpstreamTls tls = trusting(pki_.ca);
  tls.cert = pki_.client.cert_file;
  EXPECT_THAT(createErrors(tls), ElementsAre(HasSubstr("needs both cert and key")));
}

TEST_F(ClientContextTest, MismatchedClientKeyErrorNamesFiles) {
  config::UpstreamTls tls = trusting(pki_.ca);
  tls.cert = pki_.client.cert_file;
  tls.key = pki_.ca_leaf.key_file;
  const std::vector<std::string> errors = createErrors(tls);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_THAT(errors[0], AllOf(HasSubstr(pki_.client.cert_file), HasSubstr(pki_.ca_leaf.key_file),
                               HasSubstr("key does not match certificate")));
}

} // namespace
} // namespace bulwark::tls
