// HTTPS through the gateway to real upstreams: GET and POST, keep-alive on both sides, chunked
// request bodies, Expect: 100-continue.

#include <fmt/format.h>
#include <gtest/gtest.h>

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
  - name: https
    address: 127.0.0.1:{}
    tls:
      certificates:
        - cert: {}
          key: {}
    routes:
      - path_prefix: /
        cluster: web
clusters:
  - name: web
    endpoints:
      - address: {}
)";

class ProxyTest : public ::testing::Test {
protected:
  // One HTTPS listener `https` for edge.test, routing everything to cluster `web` at `upstream`.
  void startGateway(const std::string& upstream) {
    const CertFiles cert = pki_.issue({"edge.test"});
    const std::string yaml = fmt::format(kConfig, port_, cert.cert, cert.key, upstream);
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // A URL curl resolves to the gateway, verified against the test CA.
  std::string url(const std::string& path) const {
    return fmt::format("https://edge.test:{}{}", port_, path);
  }

  std::vector<std::string> curlArgs(std::vector<std::string> more) const {
    std::vector<std::string> args{"--cacert", pki_.caCert(), "--resolve",
                                  fmt::format("edge.test:{}:127.0.0.1", port_)};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  TempDir dir_;
  Pki pki_{dir_};
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
};

TEST_F(ProxyTest, ServesGetFromNginxOverHttps) {
  BULWARK_SKIP_WITHOUT_NGINX();
  Nginx nginx(dir_);
  nginx.writeFile("index.html", "hello from nginx\n");
  std::string error;
  ASSERT_TRUE(nginx.start(error)) << error;
  ASSERT_NO_FATAL_FAILURE(startGateway(fmt::format("127.0.0.1:{}", nginx.port())));

  const auto result = curl(curlArgs({url("/index.html")}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "hello from nginx\n");

  EXPECT_TRUE(gateway_.waitForStat("listener.https.downstream_rq_2xx", 1));
  EXPECT_EQ(gateway_.stat("listener.https.downstream_rq_total"), 1);
  EXPECT_EQ(gateway_.stat("cluster.web.upstream_rq_total"), 1);
  const auto log = gateway_.waitForAccessLog(1);
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0].get("method"), "GET");
  EXPECT_EQ(log[0].get("path"), "/index.html");
  EXPECT_EQ(log[0].number("status"), 200);
  EXPECT_EQ(log[0].get("listener"), "https");
  EXPECT_EQ(log[0].get("cluster"), "web");
  EXPECT_EQ(log[0].get("upstream"), fmt::format("127.0.0.1:{}", nginx.port()));
  EXPECT_EQ(log[0].get("sni"), "edge.test");
  EXPECT_EQ(log[0].get("tls_version"), "TLSv1.3");
}

TEST_F(ProxyTest, WritesAccessLogLineWithEveryField) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address()));
  const auto result = curl(curlArgs({"-o", "/dev/null", url("/logged?q=1")}));
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto log = gateway_.waitForAccessLog(1);
  ASSERT_EQ(log.size(), 1U);
  const AccessLine& line = log[0];
  ASSERT_EQ(line.fields.count("unparsable"), 0U) << line.get("unparsable");
  for (const char* field :
       {"time", "connection_id", "request_id", "client_address", "client_port", "listener",
        "tenant", "method", "path", "status", "bytes_in", "bytes_out", "duration_ms", "cluster",
        "upstream", "upstream_time_ms", "tls_version", "tls_cipher", "sni"}) {
    EXPECT_EQ(line.fields.count(field), 1U) << "missing " << field;
  }
  EXPECT_EQ(line.get("client_address"), "127.0.0.1");
  EXPECT_EQ(line.get("path"), "/logged?q=1");
  EXPECT_EQ(line.number("request_id"), 1);
  EXPECT_GT(line.number("bytes_out"), 0);
  EXPECT_FALSE(line.get("tls_cipher").empty());
  EXPECT_EQ(line.get("upstream"), upstream.address());
}

TEST_F(ProxyTest, ForwardsPostBodyAndClientAddress) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address()));
  const std::string body(200 * 1024 + 7, 'p');
  const std::string file = dir_.write("body.bin", body);

  const auto result = curl(curlArgs({"--data-binary", "@" + file, url("/submit?x=1")}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto echo = parseEcho(result.out);
  EXPECT_EQ(echo.at("method"), "POST");
  EXPECT_EQ(echo.at("target"), "/submit?x=1");
  EXPECT_EQ(echo.at("body_bytes"), std::to_string(body.size()));
  EXPECT_EQ(echo.at("body_sha256"), sha256Hex(body));

  const auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 1U);
  const auto& seen = requests[0];
  EXPECT_EQ(seen.header("x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(seen.header("x-forwarded-proto"), "https");
  EXPECT_EQ(seen.header("x-forwarded-port"), std::to_string(port_));
}

TEST_F(ProxyTest, ReusesConnectionsOnBothSides) {
  BULWARK_SKIP_WITHOUT_NGINX();
  Nginx nginx(dir_);
  nginx.writeFile("a.txt", "a\n");
  std::string error;
  ASSERT_TRUE(nginx.start(error)) << error;
  ASSERT_NO_FATAL_FAILURE(startGateway(fmt::format("127.0.0.1:{}", nginx.port())));

  // curl sends the three requests on one connection when the server keeps it open.
  const auto result = curl(curlArgs({url("/a.txt"), url("/a.txt"), url("/a.txt")}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "a\na\na\n");

  EXPECT_TRUE(gateway_.waitForStat("listener.https.downstream_rq_2xx", 3));
  EXPECT_EQ(gateway_.stat("listener.https.downstream_cx_total"), 1);
  EXPECT_EQ(gateway_.stat("listener.https.downstream_rq_total"), 3);
  EXPECT_EQ(gateway_.stat("cluster.web.upstream_cx_total"), 1);
  EXPECT_EQ(gateway_.stat("cluster.web.upstream_cx_reused"), 2);
  EXPECT_EQ(nginx.accessLogLines().size(), 3U);
}

TEST_F(ProxyTest, StreamsChunkedRequestBodyIntact) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address()));
  const std::string file = dir_.file("chunked.bin");
  const std::string sha = writeRandomFile(file, 3 * 1024 * 1024 + 123);

  const auto result = curl(
      curlArgs({"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, url("/upload")}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto echo = parseEcho(result.out);
  EXPECT_EQ(echo.at("body_bytes"), std::to_string(3 * 1024 * 1024 + 123));
  EXPECT_EQ(echo.at("body_sha256"), sha);

  ASSERT_EQ(upstream.requests().size(), 1U);
  EXPECT_TRUE(upstream.requests()[0].chunked) << "the upstream saw a Content-Length body";
}

TEST_F(ProxyTest, AnswersExpectContinue) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address()));
  const std::string file = dir_.file("large.bin");
  const std::string sha = writeRandomFile(file, 2 * 1024 * 1024);

  // -v shows the interim response; curl waits for it before sending the body.
  const auto result = curl(
      curlArgs({"-v", "-H", "Expect: 100-continue", "--data-binary", "@" + file, url("/upload")}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("> Expect: 100-continue"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("< HTTP/1.1 100 Continue"), std::string::npos) << result.err;
  EXPECT_EQ(parseEcho(result.out).at("body_sha256"), sha);
}

} // namespace
} // namespace bulwark::testing
