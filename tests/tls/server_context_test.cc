#include <atomic>
#include <chrono>
#include <initializer_list>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>

#include "tests/tls/test_handshake.h"
#include "tests/tls/test_pki.h"
#include "tls/server_context.h"

namespace bulwark::tls {
namespace {

using ::testing::AllOf;
using testing::ClientOptions;
using testing::Connection;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SessionPtr;
using testing::TestCertificate;
using testing::testPki;

class ServerContextTest : public ::testing::Test {
protected:
  static config::ListenerTls tlsWith(std::initializer_list<const TestCertificate*> certificates,
                                     config::TlsPolicy policy = config::TlsPolicy::Strict) {
    config::ListenerTls tls;
    tls.policy = policy;
    for (const TestCertificate* certificate : certificates) {
      tls.certificates.push_back({certificate->cert_file, certificate->key_file});
    }
    return tls;
  }

  static std::shared_ptr<ServerContext> create(const config::ListenerTls& tls,
                                               std::string_view listener = "https") {
    std::vector<std::string> errors;
    std::shared_ptr<ServerContext> server = ServerContext::create(tls, listener, errors);
    EXPECT_THAT(errors, ElementsAre());
    return server;
  }

  static std::vector<std::string> createErrors(const config::ListenerTls& tls) {
    std::vector<std::string> errors;
    EXPECT_EQ(ServerContext::create(tls, "https", errors), nullptr);
    return errors;
  }

  static Connection connect(ServerContext& server, const ClientOptions& options = {},
                            const std::string& sni = "") {
    SslCtxPtr client = testing::makeClientContext(options);
    return testing::handshake(client.get(), server.context().native_handle(), sni);
  }

  static ClientOptions tls12Client(const std::string& ciphers) {
    ClientOptions options;
    options.max_version = TLS1_2_VERSION;
    options.ciphers = ciphers;
    return options;
  }

  const testing::TestPki& pki_ = testPki();
};

// --- policies ---------------------------------------------------------------------------------

TEST_F(ServerContextTest, StrictAcceptsTls12WithEcdheEcdsaAes128Gcm) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, tls12Client("ECDHE-ECDSA-AES128-GCM-SHA256"));
  ASSERT_TRUE(c.ok) << c.client_error << " / " << c.server_error;
  EXPECT_STREQ(SSL_get_version(c.server.get()), "TLSv1.2");
  EXPECT_STREQ(SSL_get_cipher_name(c.server.get()), "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_F(ServerContextTest, StrictAcceptsTls13) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server);
  ASSERT_TRUE(c.ok) << c.client_error << " / " << c.server_error;
  EXPECT_STREQ(SSL_get_version(c.server.get()), "TLSv1.3");
  EXPECT_STREQ(SSL_get_cipher_name(c.server.get()), "TLS_AES_128_GCM_SHA256");
}

TEST_F(ServerContextTest, StrictRefusesTls11Client) {
  auto server = create(tlsWith({&pki_.ecdsa_a, &pki_.rsa_a}));
  ASSERT_NE(server, nullptr);
  ClientOptions options;
  options.min_version = TLS1_1_VERSION;
  options.max_version = TLS1_1_VERSION;
  options.ciphers = "DEFAULT:@SECLEVEL=0";
  options.allow_legacy = true;
  Connection c = connect(*server, options);
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.server_error, HasSubstr("unsupported protocol"));
}

TEST_F(ServerContextTest, StrictRefusesClientOfferingOnlyCbcSuites) {
  auto server = create(tlsWith({&pki_.ecdsa_a, &pki_.rsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, tls12Client("ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA"));
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.server_error, HasSubstr("no shared cipher"));
}

TEST_F(ServerContextTest, StrictRefusesClientOfferingOnlyRsaKeyExchange) {
  auto server = create(tlsWith({&pki_.rsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, tls12Client("AES128-GCM-SHA256"));
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.server_error, HasSubstr("no shared cipher"));

  // The same server and certificate with forward secrecy: accepted.
  Connection control = connect(*server, tls12Client("ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(control.ok) << control.client_error << " / " << control.server_error;
}

TEST_F(ServerContextTest, StrictRefusesClientWithoutCommonGroup) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  ClientOptions options;
  options.groups = "P-521";
  Connection c = connect(*server, options);
  EXPECT_FALSE(c.ok);
  EXPECT_FALSE(c.server_error.empty());
}

TEST_F(ServerContextTest, StrictPrefersServerCipherOrder) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c =
      connect(*server, tls12Client("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"));
  ASSERT_TRUE(c.ok) << c.server_error;
  EXPECT_STREQ(SSL_get_cipher_name(c.server.get()), "ECDHE-ECDSA-AES128-GCM-SHA256");
}

TEST_F(ServerContextTest, StrictGivesChaChaToClientThatPrefersIt) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c =
      connect(*server, tls12Client("ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"));
  ASSERT_TRUE(c.ok) << c.server_error;
  EXPECT_STREQ(SSL_get_cipher_name(c.server.get()), "ECDHE-ECDSA-CHACHA20-POLY1305");
}

TEST_F(ServerContextTest, SetsHardeningOptionsOnEveryContext) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  SSL_CTX* ctx = server->context().native_handle();
  const uint64_t options = SSL_CTX_get_options(ctx);
  EXPECT_NE(options & SSL_OP_NO_RENEGOTIATION, 0U);
  EXPECT_NE(options & SSL_OP_NO_COMPRESSION, 0U);
  EXPECT_NE(options & SSL_OP_CIPHER_SERVER_PREFERENCE, 0U);
  EXPECT_EQ(options & SSL_OP_NO_TICKET, 0U);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
}

TEST_F(ServerContextTest, RefusesRenegotiationInBothDirections) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, tls12Client("ECDHE-ECDSA-AES128-GCM-SHA256"));
  ASSERT_TRUE(c.ok);

  // OpenSSL 3 servers already refuse a client's renegotiation by default; the option also
  // keeps our own side from ever starting one.
  EXPECT_EQ(SSL_renegotiate(c.server.get()), 0);
  ERR_clear_error();

  ASSERT_EQ(SSL_renegotiate(c.client.get()), 1);
  unsigned char byte = 0;
  bool client_done = false;
  for (int turn = 0; turn < 10 && !client_done; ++turn) {
    client_done = SSL_do_handshake(c.client.get()) == 1;
    SSL_read(c.server.get(), &byte, 1);
  }
  ERR_clear_error();
  EXPECT_FALSE(client_done);
}

TEST_F(ServerContextTest, Tls13PolicyRefusesTls12OnlyClient) {
  auto server = create(tlsWith({&pki_.ecdsa_a}, config::TlsPolicy::Tls13));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, tls12Client("ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_FALSE(c.ok);
  EXPECT_THAT(c.server_error, HasSubstr("unsupported protocol"));

  Connection tls13 = connect(*server);
  EXPECT_TRUE(tls13.ok) << tls13.server_error;
}

TEST_F(ServerContextTest, CustomPolicyErrorNamesListenerAndField) {
  struct Case {
    std::string config::ListenerTls::*field;
    std::string value;
    std::string field_name;
  };
  const std::vector<Case> cases = {
      {&config::ListenerTls::ciphers, "NOT-A-CIPHER", "ciphers"},
      {&config::ListenerTls::ciphersuites, "TLS_AES_128_GCM_SHA256:TLS_NOT_A_SUITE",
       "ciphersuites"},
      {&config::ListenerTls::groups, "P-999", "groups"},
      {&config::ListenerTls::min_version, "1.1", "min_version"},
  };
  for (const Case& test : cases) {
    config::ListenerTls tls = tlsWith({&pki_.ecdsa_a}, config::TlsPolicy::Custom);
    tls.*test.field = test.value;
    const std::vector<std::string> errors = createErrors(tls);
    ASSERT_EQ(errors.size(), 1U) << test.field_name;
    EXPECT_THAT(errors[0],
                AllOf(HasSubstr("listener https: " + test.field_name), HasSubstr(test.value)));
  }
}

TEST_F(ServerContextTest, CustomPolicyAppliesConfiguredCiphers) {
  config::ListenerTls tls = tlsWith({&pki_.ecdsa_a}, config::TlsPolicy::Custom);
  tls.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
  auto server = create(tls);
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(connect(*server, tls12Client("ECDHE-ECDSA-AES128-GCM-SHA256")).ok);
  Connection c = connect(*server, tls12Client("ECDHE-ECDSA-AES256-GCM-SHA384"));
  ASSERT_TRUE(c.ok) << c.server_error;
  EXPECT_STREQ(SSL_get_cipher_name(c.server.get()), "ECDHE-ECDSA-AES256-GCM-SHA384");
}

TEST_F(ServerContextTest, CustomPolicyAppliesMinVersionSuitesAndGroups) {
  config::ListenerTls tls = tlsWith({&pki_.ecdsa_a}, config::TlsPolicy::Custom);
  tls.min_version = "1.3";
  tls.ciphersuites = "TLS_AES_256_GCM_SHA384";
  tls.groups = "P-384";
  auto server = create(tls);
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(connect(*server, tls12Client("ECDHE-ECDSA-AES256-GCM-SHA384")).ok);

  ClientOptions x25519_only;
  x25519_only.groups = "X25519";
  EXPECT_FALSE(connect(*server, x25519_only).ok);

  Connection c = connect(*server);
  ASSERT_TRUE(c.ok) << c.server_error;
  EXPECT_STREQ(SSL_get_cipher_name(c.server.get()), "TLS_AES_256_GCM_SHA384");
}

TEST_F(ServerContextTest, CustomPolicyDefaultsEmptyFieldsToStrict) {
  auto server = create(tlsWith({&pki_.rsa_a}, config::TlsPolicy::Custom));
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(connect(*server, tls12Client("AES128-GCM-SHA256")).ok);
  EXPECT_TRUE(connect(*server, tls12Client("ECDHE-RSA-AES128-GCM-SHA256")).ok);
  EXPECT_TRUE(connect(*server).ok);
}

// --- certificates by SNI ----------------------------------------------------------------------

class ServerContextSniTest : public ServerContextTest {
protected:
  void SetUp() override {
    server_ = create(tlsWith({&pki_.c, &pki_.ecdsa_a, &pki_.wildcard_b}));
    ASSERT_NE(server_, nullptr);
  }

  std::string servedFor(const std::string& sni) {
    Connection c = connect(*server_, {}, sni);
    EXPECT_TRUE(c.ok) << sni << ": " << c.server_error;
    return c.peerFingerprint();
  }

  static std::string fingerprintOf(const TestCertificate& certificate) {
    return sha256Fingerprint(certificate.cert.get());
  }

  std::shared_ptr<ServerContext> server_;
};

TEST_F(ServerContextSniTest, PicksCertificateByExactName) {
  EXPECT_EQ(servedFor("a.example.com"), fingerprintOf(pki_.ecdsa_a));
  EXPECT_EQ(servedFor("c.example.com"), fingerprintOf(pki_.c));
}

TEST_F(ServerContextSniTest, MatchesNamesWithoutRegardToCase) {
  EXPECT_EQ(servedFor("A.Example.COM"), fingerprintOf(pki_.ecdsa_a));
}

TEST_F(ServerContextSniTest, PicksWildcardCertificateForOneLabel) {
  EXPECT_EQ(servedFor("www.b.example.com"), fingerprintOf(pki_.wildcard_b));
}

TEST_F(ServerContextSniTest, WildcardDoesNotMatchTwoLabels) {
  EXPECT_EQ(servedFor("x.www.b.example.com"), fingerprintOf(pki_.c));
}

TEST_F(ServerContextSniTest, WildcardDoesNotMatchBareDomain) {
  EXPECT_EQ(servedFor("b.example.com"), fingerprintOf(pki_.c));
}

TEST_F(ServerContextSniTest, NoSniGetsFirstCertificate) {
  EXPECT_EQ(servedFor(""), fingerprintOf(pki_.c));
  EXPECT_EQ(server_->fingerprint(), fingerprintOf(pki_.c));
}

TEST_F(ServerContextSniTest, UnknownSniGetsFirstCertificate) {
  EXPECT_EQ(servedFor("unknown.example.org"), fingerprintOf(pki_.c));
}

TEST_F(ServerContextTest, ServesEcdsaAndRsaCertificatesSideBySide) {
  auto server = create(tlsWith({&pki_.ecdsa_a, &pki_.rsa_a}));
  ASSERT_NE(server, nullptr);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    ClientOptions rsa_only;
    rsa_only.max_version = version;
    rsa_only.sigalgs = "rsa_pss_rsae_sha256:RSA+SHA256";
    Connection rsa = connect(*server, rsa_only, "a.example.com");
    ASSERT_TRUE(rsa.ok) << rsa.server_error;
    EXPECT_EQ(rsa.peerKeyType(), EVP_PKEY_RSA) << version;

    ClientOptions ecdsa_only;
    ecdsa_only.max_version = version;
    ecdsa_only.sigalgs = "ECDSA+SHA256";
    Connection ecdsa = connect(*server, ecdsa_only, "a.example.com");
    ASSERT_TRUE(ecdsa.ok) << ecdsa.server_error;
    EXPECT_EQ(ecdsa.peerKeyType(), EVP_PKEY_EC) << version;
  }
}

TEST_F(ServerContextTest, RefusesTwoCertificatesOfOneKeyTypeForSameNames) {
  const std::vector<std::string> errors = createErrors(tlsWith({&pki_.ecdsa_a, &pki_.ecdsa_a}));
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_THAT(errors[0], HasSubstr("same names and key type"));
}

TEST_F(ServerContextTest, ServesChainFromCertificateFile) {
  auto server = create(tlsWith({&pki_.chain_leaf}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server);
  ASSERT_TRUE(c.ok);
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(c.client.get());
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(sk_X509_num(chain), 2);
}

// --- ALPN -------------------------------------------------------------------------------------

TEST_F(ServerContextTest, SelectsHttp11WhenOffered) {
  auto server = create(tlsWith({&pki_.c, &pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  ClientOptions options;
  options.alpn = {"h2", "http/1.1"};
  for (const std::string sni : {"", "a.example.com"}) {
    Connection c = connect(*server, options, sni);
    ASSERT_TRUE(c.ok) << sni;
    EXPECT_EQ(c.alpn(), "http/1.1") << sni;
  }
}

TEST_F(ServerContextTest, ConnectsWithoutAlpnWhenClientOffersOnlyH2) {
  auto server = create(tlsWith({&pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  ClientOptions options;
  options.alpn = {"h2"};
  Connection c = connect(*server, options);
  ASSERT_TRUE(c.ok) << c.client_error << " / " << c.server_error;
  EXPECT_EQ(c.alpn(), "");
}

// --- session resumption -----------------------------------------------------------------------

class ServerContextResumptionTest : public ServerContextTest,
                                    public ::testing::WithParamInterface<int> {
protected:
  void SetUp() override {
    server_ = create(tlsWith({&pki_.c, &pki_.ecdsa_a}));
    ASSERT_NE(server_, nullptr);
    ClientOptions options;
    options.max_version = GetParam();
    client_ = testing::makeClientContext(options);
  }

  Connection connectWith(SSL_SESSION* session, ServerContext* server = nullptr) {
    ServerContext& target = server != nullptr ? *server : *server_;
    return testing::handshake(client_.get(), target.context().native_handle(), "a.example.com",
                              session);
  }

  SessionPtr firstSession() {
    Connection first = connectWith(nullptr);
    EXPECT_TRUE(first.ok);
    EXPECT_FALSE(first.resumed());
    return SessionPtr(first.takeSession());
  }

  std::shared_ptr<ServerContext> server_;
  SslCtxPtr client_;
};

TEST_P(ServerContextResumptionTest, ResumesWithTicket) {
  SessionPtr session = firstSession();
  ASSERT_TRUE(SSL_SESSION_has_ticket(session.get()));
  Connection second = connectWith(session.get());
  ASSERT_TRUE(second.ok);
  EXPECT_TRUE(second.resumed());
}

TEST_P(ServerContextResumptionTest, ResumesAfterOneRotation) {
  SessionPtr session = firstSession();
  server_->rotateTicketKeys();
  Connection second = connectWith(session.get());
  ASSERT_TRUE(second.ok);
  EXPECT_TRUE(second.resumed());
}

TEST_P(ServerContextResumptionTest, DoesNotResumeAfterTwoRotations) {
  SessionPtr session = firstSession();
  server_->rotateTicketKeys();
  server_->rotateTicketKeys();
  Connection second = connectWith(session.get());
  ASSERT_TRUE(second.ok) << second.server_error;
  EXPECT_FALSE(second.resumed());
}

TEST_P(ServerContextResumptionTest, RenewsTicketDecryptedWithPreviousKey) {
  SessionPtr session = firstSession();
  server_->rotateTicketKeys();
  Connection second = connectWith(session.get());
  ASSERT_TRUE(second.resumed());
  SessionPtr renewed(second.takeSession());

  // The renewed ticket is under the newest key, so it survives one more rotation.
  server_->rotateTicketKeys();
  Connection third = connectWith(renewed.get());
  ASSERT_TRUE(third.ok);
  EXPECT_TRUE(third.resumed());
}

TEST_P(ServerContextResumptionTest, DoesNotResumeTicketOfAnotherListener) {
  SessionPtr session = firstSession();
  auto other = create(tlsWith({&pki_.c, &pki_.ecdsa_a}), "other");
  ASSERT_NE(other, nullptr);
  Connection second = connectWith(session.get(), other.get());
  ASSERT_TRUE(second.ok);
  EXPECT_FALSE(second.resumed());
}

INSTANTIATE_TEST_SUITE_P(Versions, ServerContextResumptionTest,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == TLS1_2_VERSION ? "Tls12" : "Tls13";
                         });

// --- errors -----------------------------------------------------------------------------------

TEST_F(ServerContextTest, MissingCertificateFileErrorNamesFile) {
  config::ListenerTls tls;
  tls.certificates.push_back({"/nonexistent/edge.crt", pki_.ecdsa_a.key_file});
  EXPECT_THAT(createErrors(tls),
              ElementsAre("listener https: certificate /nonexistent/edge.crt: no such file"));
}

TEST_F(ServerContextTest, MissingKeyFileErrorNamesFile) {
  config::ListenerTls tls;
  tls.certificates.push_back({pki_.ecdsa_a.cert_file, "/nonexistent/edge.key"});
  EXPECT_THAT(createErrors(tls),
              ElementsAre("listener https: key /nonexistent/edge.key: no such file"));
}

TEST_F(ServerContextTest, MismatchedKeyErrorNamesFiles) {
  config::ListenerTls tls;
  tls.certificates.push_back({pki_.ecdsa_a.cert_file, pki_.c.key_file});
  const std::vector<std::string> errors = createErrors(tls);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_THAT(errors[0],
              AllOf(HasSubstr("listener https: certificate " + pki_.ecdsa_a.cert_file),
                    HasSubstr("key does not match certificate"), HasSubstr(pki_.c.key_file)));
}

TEST_F(ServerContextTest, UnparsableCertificateErrorNamesFile) {
  const std::string garbage = pki_.dir.write("garbage.crt", "not a certificate\n");
  config::ListenerTls tls;
  tls.certificates.push_back({garbage, pki_.ecdsa_a.key_file});
  EXPECT_THAT(createErrors(tls),
              ElementsAre("listener https: certificate " + garbage + ": cannot parse PEM"));
}

TEST_F(ServerContextTest, ReportsEveryBrokenCertificateAtOnce) {
  config::ListenerTls tls;
  tls.certificates.push_back({"/nonexistent/one.crt", pki_.ecdsa_a.key_file});
  tls.certificates.push_back({pki_.c.cert_file, pki_.ecdsa_a.key_file});
  tls.certificates.push_back({"/nonexistent/two.crt", "/nonexistent/two.key"});
  EXPECT_EQ(createErrors(tls).size(), 4U);
}

TEST_F(ServerContextTest, RefusesListenerWithoutCertificates) {
  EXPECT_THAT(createErrors(config::ListenerTls{}),
              ElementsAre(HasSubstr("needs at least one certificate")));
}

// --- self-signed, handshake info, lifetime, threads --------------------------------------------

TEST_F(ServerContextTest, SelfSignedServesLocalhostWithLoggedFingerprint) {
  config::ListenerTls tls;
  tls.self_signed = true;
  auto server = create(tls);
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, {}, "localhost");
  ASSERT_TRUE(c.ok) << c.server_error;
  EXPECT_EQ(c.peerFingerprint(), server->fingerprint());
  EXPECT_EQ(c.peerKeyType(), EVP_PKEY_EC);
}

TEST_F(ServerContextTest, HandshakeInfoReportsVersionCipherAndSni) {
  auto server = create(tlsWith({&pki_.c, &pki_.ecdsa_a}));
  ASSERT_NE(server, nullptr);
  Connection c = connect(*server, {}, "a.example.com");
  ASSERT_TRUE(c.ok);
  const HandshakeInfo info = handshakeInfo(c.server.get());
  EXPECT_EQ(info.version, "TLSv1.3");
  EXPECT_EQ(info.cipher, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(info.sni, "a.example.com");

  Connection no_sni = connect(*server, tls12Client("ECDHE-ECDSA-AES256-GCM-SHA384"));
  ASSERT_TRUE(no_sni.ok);
  const HandshakeInfo tls12 = handshakeInfo(no_sni.server.get());
  EXPECT_EQ(tls12.version, "TLSv1.2");
  EXPECT_EQ(tls12.cipher, "ECDHE-ECDSA-AES256-GCM-SHA384");
  EXPECT_EQ(tls12.sni, "");
}

TEST_F(ServerContextTest, ConnectionOutlivesServerContext) {
  auto server = create(tlsWith({&pki_.c, &pki_.wildcard_b}));
  ASSERT_NE(server, nullptr);
  SslPtr server_ssl(SSL_new(server->context().native_handle()));
  server.reset();

  SslCtxPtr client_ctx = testing::makeClientContext();
  SslPtr client_ssl(SSL_new(client_ctx.get()));
  SSL_set_tlsext_host_name(client_ssl.get(), "x.b.example.com");
  Connection c = testing::handshake(std::move(client_ssl), std::move(server_ssl));
  ASSERT_TRUE(c.ok);
  EXPECT_EQ(c.peerFingerprint(), sha256Fingerprint(pki_.wildcard_b.cert.get()));
}

TEST_F(ServerContextTest, HandshakesFromSeveralThreadsWhileKeysRotate) {
  auto server = create(tlsWith({&pki_.c, &pki_.ecdsa_a, &pki_.wildcard_b}));
  ASSERT_NE(server, nullptr);
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::thread rotator([&] {
    while (!stop.load()) {
      server->rotateTicketKeys();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const std::vector<std::string> names = {"a.example.com", "w.b.example.com", "", "x.org"};
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t) {
    workers.emplace_back([&, t] {
      SslCtxPtr client = testing::makeClientContext();
      for (int i = 0; i < 20; ++i) {
        const std::string& sni = names[(i + t) % names.size()];
        if (!testing::handshake(client.get(), server->context().native_handle(), sni).ok) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  stop = true;
  rotator.join();
  EXPECT_EQ(failures.load(), 0);
}

} // namespace
} // namespace bulwark::tls
