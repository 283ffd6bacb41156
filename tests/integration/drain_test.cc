// SIGTERM drains: /ready turns 503 at once, the listeners close after drain.delay, requests in
// flight finish (up to drain.timeout), idle connections close, and the process exits 0.

#include <csignal>
#include <filesystem>

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
  - name: https
    address: 127.0.0.1:{}
    tls:
      certificates: [{{cert: "{}", key: "{}"}}]
    routes: [{{path_prefix: /, cluster: web}}]
  - name: edge
    address: 127.0.0.1:{}
    routes: [{{path_prefix: /, cluster: web}}]
clusters:
  - name: web
    endpoints: [{{address: "{}"}}]
drain: {}
)";

using Clock = std::chrono::steady_clock;

class DrainTest : public ::testing::Test {
protected:
  // An HTTPS listener `https` and a clear-text listener `edge`, both to cluster `web`.
  void startGateway(const std::string& upstream, const std::string& drain) {
    const CertFiles cert = pki_.selfSigned({"edge.test"});
    const std::string yaml =
        fmt::format(kConfig, https_port_, cert.cert, cert.key, edge_port_, upstream, drain);
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  std::string httpsUrl(const std::string& path) const {
    return fmt::format("https://127.0.0.1:{}{}", https_port_, path);
  }

  TempDir dir_;
  Pki pki_{dir_};
  Gateway gateway_{dir_};
  uint16_t https_port_ = freePort();
  uint16_t edge_port_ = freePort();
};

TEST_F(DrainTest, FinishesInFlightDownloadThenExits) {
  BULWARK_SKIP_WITHOUT_NGINX();
  // 3 MiB at 1 MiB/s: the download outlasts the 1 s drain delay by about two seconds.
  NginxOptions options;
  options.name = "web";
  options.limit_rate = "1m";
  Nginx nginx(dir_, options);
  const std::string sha = writeRandomFile(nginx.docroot() + "/slow/big.bin", 3 << 20);
  std::string error;
  ASSERT_TRUE(nginx.start(error)) << error;
  ASSERT_NO_FATAL_FAILURE(
      startGateway(fmt::format("127.0.0.1:{}", nginx.port()), "{delay: 1s, timeout: 20s}"));

  const std::string out = dir_.file("download.bin");
  Process download({"curl", "-sS", "-k", "--max-time", "30", "-o", out, httpsUrl("/slow/big.bin")},
                   dir_.path(), "download");
  ASSERT_TRUE(eventually(
      [&] { return std::filesystem::exists(out) && std::filesystem::file_size(out) > 0; }, 5s));

  gateway_.process().signal(SIGTERM);
  EXPECT_TRUE(waitForHttp(gateway_.adminPort(), "/ready", 503, 500ms));

  // After drain.delay the listeners close, while the download goes on.
  EXPECT_TRUE(eventually([&] { return !portAccepts(https_port_); }, 3s));
  EXPECT_TRUE(download.running()) << "the download ended before the listener closed";

  EXPECT_EQ(download.waitExit(15s), 0) << download.readStderr();
  EXPECT_EQ(std::filesystem::file_size(out), 3U << 20);
  EXPECT_EQ(sha256File(out), sha);
  EXPECT_EQ(gateway_.process().waitExit(10s), 0) << gateway_.output();
}

TEST_F(DrainTest, ServesNewRequestsDuringDrainDelay) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address(), "{delay: 3s, timeout: 20s}"));

  gateway_.process().signal(SIGTERM);
  ASSERT_TRUE(waitForHttp(gateway_.adminPort(), "/ready", 503, 1s));

  // The delay exists so that a load balancer sees /ready fail before the listeners go: the
  // clients it still sends meanwhile must be served, on new connections as on old ones.
  const auto during = curl({"-k", "-D", "-", httpsUrl("/during-delay")});
  EXPECT_EQ(during.exit_code, 0) << during.err;
  EXPECT_NE(during.out.find("target=/during-delay"), std::string::npos) << during.out;
  EXPECT_NE(toLowerAscii(during.out).find("connection: close"), std::string::npos)
      << "a draining gateway should ask clients to go away: " << during.out;
  EXPECT_EQ(upstream.requests().size(), 1U);
  EXPECT_EQ(gateway_.process().waitExit(10s), 0) << gateway_.output();
}

TEST_F(DrainTest, ClosesIdleConnectionsAndExitsPromptly) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address(), "{delay: 200ms, timeout: 20s}"));

  // A keep-alive connection left idle after one request.
  RawConnection idle(edge_port_);
  ASSERT_TRUE(idle.send("GET / HTTP/1.1\r\nHost: edge.test\r\n\r\n"));
  const auto res = idle.readResponse();
  ASSERT_TRUE(res.has_value());
  ASSERT_EQ(res->status, 200);

  const auto start = Clock::now();
  gateway_.process().signal(SIGTERM);
  EXPECT_TRUE(idle.closedByPeer(5s)) << "an idle connection kept the drain waiting";
  EXPECT_EQ(gateway_.process().waitExit(10s), 0) << gateway_.output();
  EXPECT_LT(Clock::now() - start, 5s) << "drain waited on idle connections (timeout is 20s)";
}

TEST_F(DrainTest, GivesUpOnStuckRequestsAtDrainTimeout) {
  TestUpstream stuck("stuck", UpstreamBehaviour::DelayedEcho, 30s);
  ASSERT_NO_FATAL_FAILURE(startGateway(stuck.address(), "{delay: 0s, timeout: 1s}"));

  Process hanging(
      {"curl", "-sS", "--max-time", "30", fmt::format("http://127.0.0.1:{}/", edge_port_)},
      dir_.path(), "hanging");
  ASSERT_TRUE(stuck.waitForRequests(1));

  const auto start = Clock::now();
  gateway_.process().signal(SIGTERM);
  EXPECT_EQ(gateway_.process().waitExit(10s), 0) << gateway_.output();
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 900ms) << "the request in flight was not given drain.timeout";
  EXPECT_LT(elapsed, 4s) << "drain.timeout is 1s";
  EXPECT_NE(hanging.waitExit(5s), 0) << "the cut request cannot have succeeded";
}

} // namespace
} // namespace bulwark::testing
