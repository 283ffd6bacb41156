// Routing as the web tier reads paths: tenants by path prefix without regard to case, segment
// exact, and encoded traversal attempts that never reach a tenant their path is not under.
// Also the HTTP-to-HTTPS redirect listener.

#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/strings.h"
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
      - tenant: demo
      - tenant: other
      - path_prefix: /
        cluster: web
  - name: http
    address: 127.0.0.1:{}
    redirect_to_https: {}
tenants:
  - name: demo
    path_prefix: /client/demo/
    cluster: demo-web
  - name: other
    path_prefix: /client/other/
    cluster: other-web
clusters:
  - name: demo-web
    endpoints: [{{address: "{}"}}]
  - name: other-web
    endpoints: [{{address: "{}"}}]
  - name: web
    endpoints: [{{address: "{}"}}]
)";

constexpr uint16_t kHttpsPort = 8443;

// What one request got: the status, and which upstream answered with what target.
struct Outcome {
  int status = 0;
  std::string upstream; // empty: answered by the gateway itself
  std::string target;   // as the upstream received it
};

class RoutingTest : public ::testing::Test {
protected:
  void SetUp() override {
    const std::string yaml = fmt::format(kConfig, port_, redirect_port_, kHttpsPort,
                                         demo_.address(), other_.address(), web_.address());
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // Sends `path` exactly as written (curl --path-as-is) and reports where it landed.
  Outcome get(const std::string& path) {
    const auto result = curl({"--path-as-is", "-o", "-", "-w", "\n%{http_code}",
                              fmt::format("http://127.0.0.1:{}{}", port_, path)});
    Outcome outcome;
    const size_t last = result.out.rfind('\n');
    if (result.exit_code != 0 || last == std::string::npos) {
      ADD_FAILURE() << "curl " << path << ": " << result.err;
      return outcome;
    }
    outcome.status = std::stoi(result.out.substr(last + 1));
    auto echo = parseEcho(result.out.substr(0, last));
    outcome.upstream = echo["upstream"];
    outcome.target = echo["target"];
    return outcome;
  }

  size_t upstreamRequests() const {
    return demo_.requests().size() + other_.requests().size() + web_.requests().size();
  }

  TempDir dir_;
  TestUpstream demo_{"demo"};
  TestUpstream other_{"other"};
  TestUpstream web_{"web"};
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
  uint16_t redirect_port_ = freePort();
};

TEST_F(RoutingTest, RoutesTenantsByPathPrefix) {
  EXPECT_EQ(get("/client/demo/x").upstream, "demo");
  EXPECT_EQ(get("/client/other/y").upstream, "other");
  EXPECT_EQ(get("/").upstream, "web");

  const auto logs = gateway_.waitForAccessLog(3);
  ASSERT_EQ(logs.size(), 3U);
  EXPECT_EQ(findLine(logs, "path", "/client/demo/x").get("tenant"), "demo");
  EXPECT_EQ(findLine(logs, "path", "/client/demo/x").get("cluster"), "demo-web");
  EXPECT_EQ(findLine(logs, "path", "/client/other/y").get("tenant"), "other");
  EXPECT_EQ(findLine(logs, "path", "/").get("tenant"), "");
  EXPECT_EQ(findLine(logs, "path", "/").get("cluster"), "web");
}

TEST_F(RoutingTest, MatchesTenantPrefixWithoutRegardToCase) {
  const Outcome outcome = get("/CLIENT/Demo/x");
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(outcome.upstream, "demo");
}

TEST_F(RoutingTest, MatchesTenantPrefixBySegment) {
  EXPECT_EQ(get("/client/demo2/").upstream, "web");
  EXPECT_EQ(get("/client/demo").upstream, "demo");
  EXPECT_EQ(demo_.requests().size(), 1U);
}

// Each attempt reads, once the web server has decoded it, as a path under /client/other/ (or
// /client/demo/ for the reverse ones). It may be refused (400, nobody sees it) or routed to the
// tenant it really addresses, with a target that decodes to nothing else; it must never be
// served by the tenant whose prefix it merely starts with.
struct TraversalCase {
  std::string path;
  std::string real_tenant;
};

TEST_F(RoutingTest, KeepsEncodedTraversalOutOfOtherTenants) {
  const std::vector<TraversalCase> cases = {
      {"/client/demo/..%2fother/", "other"},
      {"/client/demo/%2e%2e/other/", "other"},
      {"//client/other/", "other"},
      {"/client/demo/..\\other\\", "other"},
      {"/client/demo/%u002e%u002e/other/", "other"},
      {"/client/demo/..%5Cother/secret.asp", "other"},
      {"/client/other/%2E%2E%2Fdemo/", "demo"},
      {"/client/demo/x/..%2f..%2f..%2fadmin/", "web"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    const size_t before = upstreamRequests();
    const Outcome outcome = get(c.path);
    if (outcome.status == 400) {
      EXPECT_EQ(upstreamRequests(), before) << "a refused request reached an upstream";
      continue;
    }
    EXPECT_EQ(outcome.status, 200);
    EXPECT_EQ(outcome.upstream, c.real_tenant) << "served with target " << outcome.target;
    // The upstream must get a path it cannot decode into somewhere else.
    const std::string target = toLowerAscii(outcome.target);
    for (const char* escape : {"..", "%2f", "%5c", "\\", "%u", "%2e", "//"}) {
      EXPECT_EQ(target.find(escape), std::string::npos) << target << " holds " << escape;
    }
  }

  // curl sent every path as written (no client-side normalisation hides a gateway bug). The two
  // workers flush their access logs independently, so the lines come in any order.
  const auto logs = gateway_.waitForAccessLog(cases.size());
  std::multiset<std::string> logged;
  std::multiset<std::string> sent;
  for (const auto& line : logs) {
    logged.insert(line.get("path"));
  }
  for (const auto& c : cases) {
    sent.insert(c.path);
  }
  EXPECT_EQ(logged, sent);
}

// Encodings that exist only to make two decoders disagree, and paths no server could map: the
// gateway cannot know which reading the web tier will take, so it must refuse them.
TEST_F(RoutingTest, RefusesAmbiguousAndEscapingPaths) {
  const std::vector<std::string> paths = {
      "/client/demo/%252e%252e/other/",   // double-encoded dots
      "/client/demo/%c0%ae%c0%ae/other/", // overlong UTF-8 dots
      "/client/demo/..%00/other/",        // NUL
      "/client/demo/../../../x",          // above the root
      "/client/demo/%zz/",                // not an escape
  };
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    EXPECT_EQ(get(path).status, 400);
  }
  EXPECT_EQ(upstreamRequests(), 0U);
  EXPECT_TRUE(gateway_.waitForStat("listener.edge.downstream_rq_bad_path",
                                   static_cast<int64_t>(paths.size())));
  EXPECT_EQ(gateway_.stat("listener.edge.downstream_rq_4xx"), static_cast<int64_t>(paths.size()));
}

TEST_F(RoutingTest, RedirectsHttpToHttpsKeepingPathAndQuery) {
  const auto result = curl({"-D", "-", "-o", "/dev/null", "-H", "Host: shop.example.com",
                            fmt::format("http://127.0.0.1:{}/a/b.asp?x=1&y=%20z", redirect_port_)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.rfind("HTTP/1.1 308", 0), 0U) << result.out;
  EXPECT_NE(result.out.find("https://shop.example.com:8443/a/b.asp?x=1&y=%20z\r\n"),
            std::string::npos)
      << result.out;
  EXPECT_EQ(gateway_.stat("listener.http.downstream_rq_redirected"), 1);
  EXPECT_EQ(upstreamRequests(), 0U);
}

TEST_F(RoutingTest, RedirectUsesHostWithoutItsPort) {
  const auto result = curl({"-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                            fmt::format("http://127.0.0.1:{}/login", redirect_port_)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "308 https://127.0.0.1:8443/login");
}

} // namespace
} // namespace bulwark::testing
