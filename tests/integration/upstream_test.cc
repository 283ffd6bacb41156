// Upstreams that fail (refuse, answer too late, reset, close) and upstreams behind TLS.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/strings.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"
#include "tests/integration/nginx_fixture.h"
#include "tests/integration/pki.h"
#include "tests/integration/test_upstream.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

// The config under test (a fmt format string: `{{` is a literal brace).
constexpr char kConfig[] = R"(listeners:
  - name: edge
    address: 127.0.0.1:{}
    routes:
      - path_prefix: /
        cluster: web
clusters:
  - name: web
    connect_timeout: 2s
    endpoints:
      - address: {}
{}limits:
  upstream_response_timeout: 1s
)";

using Clock = std::chrono::steady_clock;

class UpstreamTest : public ::testing::Test {
protected:
  // A clear-text listener `edge` sending everything to cluster `web`, whose YAML (after
  // `endpoints:`) is `cluster_tail`.
  void startGateway(const std::string& endpoint, const std::string& cluster_tail = "") {
    const std::string yaml = fmt::format(kConfig, port_, endpoint, cluster_tail);
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // GET `path`; the status and body curl got.
  std::pair<int, std::string> get(const std::string& path) const {
    const auto result = curl(
        {"-o", "-", "-w", "\n%{http_code}", fmt::format("http://127.0.0.1:{}{}", port_, path)});
    const size_t last = result.out.rfind('\n');
    if (result.exit_code != 0 || last == std::string::npos) {
      return {0, result.err};
    }
    return {std::stoi(result.out.substr(last + 1)), result.out.substr(0, last)};
  }

  TempDir dir_;
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
};

TEST_F(UpstreamTest, AnswersServiceUnavailableWhenUpstreamRefuses) {
  ASSERT_NO_FATAL_FAILURE(startGateway(fmt::format("127.0.0.1:{}", freePort())));

  EXPECT_EQ(get("/").first, 503);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_5xx", 1));
  EXPECT_EQ(gateway_.stat("listener.edge.downstream_rq_upstream_failed"), 1);
  EXPECT_GE(gateway_.stat("cluster.web.upstream_cx_connect_fail"), 1);
  const auto log = gateway_.waitForAccessLog(1);
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0].number("status"), 503);
  EXPECT_FALSE(log[0].get("error").empty());
}

TEST_F(UpstreamTest, AnswersGatewayTimeoutForSlowUpstream) {
  TestUpstream slow("slow", UpstreamBehaviour::DelayedEcho, 4s);
  ASSERT_NO_FATAL_FAILURE(startGateway(slow.address()));

  const auto start = Clock::now();
  EXPECT_EQ(get("/slow").first, 504);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3500ms) << "upstream_response_timeout is 1s";
  EXPECT_TRUE(gateway_.waitForStat("cluster.web.upstream_rq_timeout", 1));
  EXPECT_EQ(gateway_.stat("listener.edge.downstream_rq_upstream_timeout"), 1);
  EXPECT_EQ(slow.requests().size(), 1U);
}

TEST_F(UpstreamTest, AnswersBadGatewayWhenUpstreamResetsMidHeader) {
  TestUpstream broken("broken", UpstreamBehaviour::ResetMidHeader);
  ASSERT_NO_FATAL_FAILURE(startGateway(broken.address()));

  const auto [status, body] = get("/reset");
  EXPECT_EQ(status, 502) << body;
  EXPECT_EQ(body.find("text/pl"), std::string::npos) << "half an upstream header leaked";
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_upstream_failed", 1));
  EXPECT_EQ(gateway_.stat("listener.edge.downstream_rq_5xx"), 1);
}

TEST_F(UpstreamTest, AnswersBadGatewayWhenUpstreamClosesWithoutAnswer) {
  TestUpstream silent("silent", UpstreamBehaviour::CloseWithoutAnswer);
  ASSERT_NO_FATAL_FAILURE(startGateway(silent.address()));

  EXPECT_EQ(get("/close").first, 502);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_upstream_failed", 1));
  EXPECT_GE(silent.requests().size(), 1U);
}

TEST_F(UpstreamTest, ForwardsNormalisedRequestWithoutHopByHopHeaders) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address()));

  RawConnection conn(port_);
  ASSERT_TRUE(conn.send("GET /a/./b//c/../d.asp?x=%2e HTTP/1.1\r\nHost: edge.test\r\n"
                        "Connection: keep-alive, X-Hop\r\nX-Hop: secret-hop\r\n"
                        "Proxy-Authorization: Basic c2VjcmV0\r\nTE: trailers\r\n"
                        "X-Forwarded-For: 203.0.113.9\r\nX-End: kept\r\n\r\n"));
  const auto res = conn.readResponse();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);

  // What went over the wire to the upstream, byte for byte.
  const std::string raw = upstream.rawBytes();
  EXPECT_EQ(raw.rfind("GET /a/b/d.asp?x=%2e HTTP/1.1\r\n", 0), 0U) << raw;
  EXPECT_EQ(raw.find("secret-hop"), std::string::npos) << raw;
  EXPECT_EQ(raw.find("c2VjcmV0"), std::string::npos) << raw;
  EXPECT_EQ(toLowerAscii(raw).find("te: trailers"), std::string::npos) << raw;
  EXPECT_NE(raw.find("X-End: kept\r\n"), std::string::npos) << raw;
  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].header("x-forwarded-for"), "203.0.113.9, 127.0.0.1");
  EXPECT_EQ(requests[0].header("x-forwarded-proto"), "http");
}

class UpstreamTlsTest : public UpstreamTest {
protected:
  // nginx over TLS with a certificate for `name` from the internal CA.
  void startTlsNginx(const std::string& name = "web.internal") {
    NginxOptions options;
    options.name = "internal";
    options.tls = internal_.issue({name});
    nginx_ = std::make_unique<Nginx>(dir_, options);
    std::string error;
    ASSERT_TRUE(nginx_->start(error)) << error;
  }

  std::string upstreamTls(const std::string& ca) const {
    return fmt::format("    upstream_tls:\n      ca: {}\n      server_name: web.internal\n", ca);
  }

  Pki internal_{dir_, "Internal CA", "internal"};
  std::unique_ptr<Nginx> nginx_;
};

TEST_F(UpstreamTlsTest, ReEncryptsToTlsUpstream) {
  BULWARK_SKIP_WITHOUT_NGINX();
  ASSERT_NO_FATAL_FAILURE(startTlsNginx());
  ASSERT_NO_FATAL_FAILURE(
      startGateway(fmt::format("127.0.0.1:{}", nginx_->port()), upstreamTls(internal_.caCert())));

  const auto [status, body] = get("/whoami");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "internal\n");
  EXPECT_EQ(gateway_.stat("cluster.web.upstream_cx_tls_error"), 0);
  ASSERT_EQ(nginx_->accessLogLines().size(), 1U);
  EXPECT_EQ(nginx_->accessLogLines()[0].rfind("GET /whoami 200", 0), 0U);
}

TEST_F(UpstreamTlsTest, RefusesUpstreamCertificateFromUnknownCa) {
  BULWARK_SKIP_WITHOUT_NGINX();
  ASSERT_NO_FATAL_FAILURE(startTlsNginx());
  Pki stranger(dir_, "Some Other CA", "stranger");
  ASSERT_NO_FATAL_FAILURE(
      startGateway(fmt::format("127.0.0.1:{}", nginx_->port()), upstreamTls(stranger.caCert())));

  const int status = get("/whoami").first;
  EXPECT_TRUE(status == 502 || status == 503) << status;
  EXPECT_TRUE(gateway_.waitForStat("cluster.web.upstream_cx_tls_error", 1));
  EXPECT_TRUE(nginx_->accessLogLines().empty()) << "a request crossed an unverified connection";
}

TEST_F(UpstreamTlsTest, RefusesUpstreamCertificateForAnotherName) {
  BULWARK_SKIP_WITHOUT_NGINX();
  ASSERT_NO_FATAL_FAILURE(startTlsNginx("db.internal"));
  ASSERT_NO_FATAL_FAILURE(
      startGateway(fmt::format("127.0.0.1:{}", nginx_->port()), upstreamTls(internal_.caCert())));

  const int status = get("/whoami").first;
  EXPECT_TRUE(status == 502 || status == 503) << status;
  EXPECT_TRUE(gateway_.waitForStat("cluster.web.upstream_cx_tls_error", 1));
}

} // namespace
} // namespace bulwark::testing
