// Bad input on a clear-text listener, sent byte by byte: malformed requests, oversized headers
// and bodies, a header that never ends, a missing Host. Each gets its status, is counted, and
// never reaches the upstream; the gateway keeps serving everyone else.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"
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
    endpoints:
      - address: {}
limits:
  max_request_header_bytes: 8KiB
  max_request_body_bytes: 1MiB
  request_header_timeout: 1s
)";

using Clock = std::chrono::steady_clock;

class LimitsTest : public ::testing::Test {
protected:
  void SetUp() override {
    const std::string yaml = fmt::format(kConfig, port_, upstream_.address());
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // Sends `bytes` on a new connection and reads one response.
  std::optional<HttpResponse> exchange(const std::string& bytes, Millis timeout = 5s) {
    RawConnection conn(port_);
    EXPECT_TRUE(conn.connected());
    EXPECT_TRUE(conn.send(bytes));
    return conn.readResponse(timeout);
  }

  void expectStillServing() {
    const auto res = exchange("GET /fine HTTP/1.1\r\nHost: edge.test\r\n\r\n");
    ASSERT_TRUE(res.has_value());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->header("x-upstream"), "web");
  }

  TempDir dir_;
  TestUpstream upstream_{"web"};
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
};

TEST_F(LimitsTest, AnswersGarbageWithBadRequestAndClose) {
  RawConnection conn(port_);
  ASSERT_TRUE(conn.connected());
  // A TLS record header, a NUL and control bytes: not HTTP by any reading.
  static const char kGarbage[] = "\x16\x03\x01\x00\xa5garbage \x01\x02\r\n\r\n";
  ASSERT_TRUE(conn.send(std::string(kGarbage, sizeof(kGarbage) - 1)));
  const auto res = conn.readResponse();
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(conn.closedByPeer()) << "left over: " << conn.leftover();

  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_malformed", 1));
  EXPECT_EQ(gateway_.stat("listener.edge.downstream_rq_4xx"), 1);
  EXPECT_EQ(upstream_.connectionCount(), 0U);
  expectStillServing();
}

TEST_F(LimitsTest, AnswersOversizedHeaderWith431) {
  const std::string big(16 * 1024, 'a');
  const auto res = exchange("GET / HTTP/1.1\r\nHost: edge.test\r\nX-Big: " + big + "\r\n\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 431);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_header_too_large", 1));
  EXPECT_EQ(upstream_.requests().size(), 0U);
  expectStillServing();
}

TEST_F(LimitsTest, AcceptsHeaderJustUnderTheLimit) {
  const std::string value(6 * 1024, 'a');
  const auto res = exchange("GET / HTTP/1.1\r\nHost: edge.test\r\nX-Big: " + value + "\r\n\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(gateway_.stat("listener.edge.downstream_rq_header_too_large"), 0);
}

TEST_F(LimitsTest, AnswersDeclaredOversizedBodyWith413) {
  const auto res =
      exchange("POST /upload HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 2097152\r\n\r\n" +
               std::string(4096, 'x'));
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 413);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_body_too_large", 1));
  EXPECT_EQ(upstream_.requests().size(), 0U);
}

TEST_F(LimitsTest, AnswersChunkedOversizedBodyWith413) {
  const std::string file = dir_.file("big.bin");
  writeRandomFile(file, 2 * 1024 * 1024);
  const auto result =
      curl({"-o", "/dev/null", "-w", "%{http_code}", "-H", "Transfer-Encoding: chunked",
            "--data-binary", "@" + file, fmt::format("http://127.0.0.1:{}/upload", port_)});
  EXPECT_EQ(result.out, "413") << result.err;
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_body_too_large", 1));
  for (const auto& req : upstream_.requests()) {
    EXPECT_LE(req.body_bytes, 1024U * 1024U) << "more than the limit reached the upstream";
  }
}

TEST_F(LimitsTest, AnswersIncompleteHeaderWith408) {
  RawConnection conn(port_);
  ASSERT_TRUE(conn.connected());
  const auto start = Clock::now();
  ASSERT_TRUE(conn.send("GET /slowloris HTTP/1.1\r\nHost: edge.test\r\nX-Part: 1\r\n"));
  const auto res = conn.readResponse(5s);
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(res.has_value()) << "no answer to a header that never ended";
  EXPECT_EQ(res->status, 408);
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 4s) << "request_header_timeout is 1s";
  EXPECT_TRUE(conn.closedByPeer());
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_header_timeout", 1));
  EXPECT_EQ(upstream_.requests().size(), 0U);
}

TEST_F(LimitsTest, RefusesHttp11RequestWithoutHost) {
  const auto res = exchange("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_malformed", 1));
  EXPECT_EQ(upstream_.requests().size(), 0U);
}

TEST_F(LimitsTest, RefusesRepeatedHost) {
  const auto res = exchange("GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(upstream_.requests().size(), 0U);
}

TEST_F(LimitsTest, RefusesBadPathEncoding) {
  const auto res = exchange("GET /a%zz/b HTTP/1.1\r\nHost: edge.test\r\n\r\n");
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_bad_path", 1));
  EXPECT_EQ(upstream_.requests().size(), 0U);
}

TEST_F(LimitsTest, ServesPipelinedRequestsInOrder) {
  RawConnection conn(port_);
  ASSERT_TRUE(conn.connected());
  ASSERT_TRUE(conn.send("GET /one HTTP/1.1\r\nHost: edge.test\r\n\r\n"
                        "GET /two HTTP/1.1\r\nHost: edge.test\r\n\r\n"));
  const auto first = conn.readResponse();
  const auto second = conn.readResponse();
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(parseEcho(first->body)["target"], "/one");
  EXPECT_EQ(parseEcho(second->body)["target"], "/two");
}

} // namespace
} // namespace bulwark::testing
