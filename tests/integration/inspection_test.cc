// Inspection through the running gateway: signatures, domain, URL and IP lists, body scanning,
// detect mode, and the EVE alert log. A recording upstream shows what got through.

#include <csignal>
#include <filesystem>

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"
#include "tests/integration/pki.h"
#include "tests/integration/test_upstream.h"

namespace bulwark::testing {
namespace {

namespace json = boost::json;

constexpr char kRules[] =
    R"(alert http any any -> any any (msg:"TEST probe seen"; flow:established,to_server; http.uri; content:"/probe"; classtype:web-application-attack; metadata:attack sqli; sid:1000001; rev:2;)
reject http any any -> any any (msg:"TEST union select"; flow:established,to_server; http.uri; content:"union"; nocase; content:"select"; nocase; distance:0; sid:1000002; rev:1;)
drop http any any -> any any (msg:"TEST drop me"; flow:established,to_server; http.uri; content:"/drop-me"; sid:1000003; rev:1;)
reject http any any -> any any (msg:"TEST body marker"; flow:established,to_server; http.request_body; content:"EVIL-BODY-MARKER"; sid:1000004; rev:1;)
)";

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
inspection:
  mode: {}
  rules: [{}]
  domain_lists:
    - file: {}
      action: reject
  url_lists:
    - file: {}
      action: reject
  ip_lists:
    - file: {}
      action: drop
)";

class InspectionTest : public ::testing::Test {
protected:
  void startGateway(const std::string& mode = "block", const std::string& blocked_ips = "") {
    const auto rules = dir_.write("test.rules", kRules);
    const auto domains = dir_.write("domains.txt", "# refused hosts\n.evil.example\n");
    const auto urls = dir_.write("urls.txt", "/admin/\n=/exact.asp\n");
    const auto ips = dir_.write("ips.txt", blocked_ips.empty() ? "192.0.2.0/24\n" : blocked_ips);
    const auto yaml =
        fmt::format(kConfig, port_, upstream_.address(), mode, rules, domains, urls, ips);
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // The status curl got (0 when the connection ended without an answer) and curl's exit code.
  std::pair<int, int> request(const std::vector<std::string>& extra, const std::string& path) {
    std::vector<std::string> args = {"-s", "-o", "/dev/null", "-w", "%{http_code}"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(fmt::format("http://127.0.0.1:{}{}", port_, path));
    const auto result = curl(args);
    return {result.out.empty() ? 0 : std::stoi(result.out), result.exit_code};
  }

  int get(const std::string& path, const std::vector<std::string>& extra = {}) {
    return request(extra, path).first;
  }

  bool upstreamSaw(const std::string& needle) const {
    for (const auto& req : upstream_.requests()) {
      if (req.target.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  // The alert lines whose alert.signature_id is `sid`, parsed.
  std::vector<json::object> alertsFor(int64_t sid, size_t at_least = 1) const {
    std::vector<json::object> found;
    eventually([&] {
      found.clear();
      for (const auto& line : gateway_.alertLines()) {
        const auto parsed = json::parse(line).as_object();
        if (parsed.at("alert").as_object().at("signature_id").as_int64() == sid) {
          found.push_back(parsed);
        }
      }
      return found.size() >= at_least;
    });
    return found;
  }

  TempDir dir_;
  TestUpstream upstream_{"web"};
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
};

TEST_F(InspectionTest, RejectedRequestNeverReachesTheUpstreamAndIsLogged) {
  ASSERT_NO_FATAL_FAILURE(startGateway());

  EXPECT_EQ(get("/search?q=1%20UNION%20SELECT%20password"), 403);
  EXPECT_EQ(get("/search?q=harmless"), 200);
  ASSERT_TRUE(upstream_.waitForRequests(1));
  EXPECT_FALSE(upstreamSaw("UNION"));
  EXPECT_EQ(upstream_.requests().size(), 1U);

  const auto alerts = alertsFor(1000002);
  ASSERT_EQ(alerts.size(), 1U);
  const auto& alert = alerts[0].at("alert").as_object();
  EXPECT_EQ(alerts[0].at("event_type").as_string(), "alert");
  EXPECT_EQ(alert.at("action").as_string(), "blocked");
  EXPECT_EQ(alert.at("signature").as_string(), "TEST union select");
  EXPECT_EQ(alerts[0].at("http").as_object().at("url").as_string(),
            "/search?q=1%20UNION%20SELECT%20password");
  EXPECT_EQ(alerts[0].at("http").as_object().at("status").as_int64(), 403);
  EXPECT_EQ(alerts[0].at("src_ip").as_string(), "127.0.0.1");
  EXPECT_EQ(alerts[0].at("rule_set").as_object().at("version").as_int64(), 1);
  EXPECT_TRUE(gateway_.waitForStat("ips.rq_rejected", 1));
  EXPECT_EQ(gateway_.stat("ips.rq_inspected"), 2);
}

TEST_F(InspectionTest, AlertRulesLogAndLetTheRequestThrough) {
  ASSERT_NO_FATAL_FAILURE(startGateway());

  EXPECT_EQ(get("/probe"), 200);
  ASSERT_TRUE(upstream_.waitForRequests(1));
  const auto alerts = alertsFor(1000001);
  ASSERT_EQ(alerts.size(), 1U);
  const auto& alert = alerts[0].at("alert").as_object();
  EXPECT_EQ(alert.at("action").as_string(), "allowed");
  EXPECT_EQ(alert.at("rev").as_int64(), 2);
  EXPECT_EQ(alert.at("metadata").as_object().at("attack").as_array().at(0).as_string(), "sqli");
}

TEST_F(InspectionTest, DropClosesWithoutAnAnswer) {
  ASSERT_NO_FATAL_FAILURE(startGateway());

  const auto [status, exit_code] = request({}, "/drop-me");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(exit_code, 52); // curl: empty reply from server
  EXPECT_TRUE(gateway_.waitForStat("ips.rq_dropped", 1));
  EXPECT_FALSE(upstreamSaw("drop-me"));
}

TEST_F(InspectionTest, ABlockedBodyNeverReachesTheUpstreamWhole) {
  ASSERT_NO_FATAL_FAILURE(startGateway());

  // 2 MiB, the marker half a MiB in: the gateway has forwarded part of the body when it sees
  // the marker, and must abort the upstream request rather than finish it.
  std::string body(2 << 20, 'a');
  body.replace(512 << 10, 16, "EVIL-BODY-MARKER");
  const auto file = dir_.write("body.bin", body);
  EXPECT_EQ(get("/upload", {"--data-binary", "@" + file}), 403);
  std::string clean(2 << 20, 'b');
  EXPECT_EQ(get("/upload-clean", {"--data-binary", "@" + dir_.write("clean.bin", clean)}), 200);

  ASSERT_TRUE(upstream_.waitForRequests(2));
  for (const auto& req : upstream_.requests()) {
    if (req.target == "/upload") {
      // The chunk holding the marker was never forwarded, nor anything after it.
      EXPECT_LT(req.body_bytes, (512U << 10) + 16) << "the blocked body got through";
    } else {
      EXPECT_EQ(req.body_bytes, clean.size());
    }
  }
  EXPECT_EQ(alertsFor(1000004).size(), 1U);
}

TEST_F(InspectionTest, DomainAndUrlListsRefuseTheirEntries) {
  ASSERT_NO_FATAL_FAILURE(startGateway());

  EXPECT_EQ(get("/", {"-H", "Host: www.EVIL.example"}), 403);
  EXPECT_EQ(get("/", {"-H", "Host: evil.example."}), 403);
  EXPECT_EQ(get("/", {"-H", "Host: notevil.example"}), 200);
  EXPECT_EQ(get("/Admin/users.asp"), 403); // the web tier ignores case, so does the list
  EXPECT_EQ(get("/EXACT.asp"), 403);
  EXPECT_EQ(get("/exact.aspx"), 200);
  EXPECT_TRUE(gateway_.waitForStat("lists.rq_rejected", 4));
  EXPECT_EQ(upstream_.requests().size(), 2U);

  const auto alerts = alertsFor(0, 4);
  ASSERT_GE(alerts.size(), 4U);
  const auto& policy = alerts[0].at("alert").as_object().at("policy").as_object();
  EXPECT_EQ(policy.at("kind").as_string(), "domain_list");
  EXPECT_EQ(policy.at("line").as_int64(), 2);
}

TEST_F(InspectionTest, DetectModeLogsWhatItWouldHaveBlocked) {
  ASSERT_NO_FATAL_FAILURE(startGateway("detect"));

  EXPECT_EQ(get("/search?q=union%20select"), 200);
  EXPECT_EQ(get("/admin/"), 200);
  ASSERT_TRUE(upstream_.waitForRequests(2));
  const auto alerts = alertsFor(1000002);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].at("alert").as_object().at("action").as_string(), "allowed");
  EXPECT_TRUE(gateway_.waitForStat("ips.rq_would_block", 2));
  EXPECT_EQ(gateway_.stat("ips.rq_rejected"), 0);
}

TEST_F(InspectionTest, AnIpListDropsTheConnectionBeforeAnyRequest) {
  ASSERT_NO_FATAL_FAILURE(startGateway("block", "127.0.0.0/8\n"));

  const auto [status, exit_code] = request({}, "/");
  EXPECT_EQ(status, 0);
  EXPECT_NE(exit_code, 0);
  EXPECT_TRUE(gateway_.waitForStat("lists.cx_rejected", 1));
  EXPECT_EQ(upstream_.connectionCount(), 0U);
}

// A TLS listener: the domain list on the SNI, and SNI/Host disagreement (domain fronting).
constexpr char kTlsConfig[] = R"(listeners:
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
inspection:
  domain_fronting: reject
  domain_lists:
    - file: {}
      action: reject
      match_on: [sni]
      subdomains: true
)";

class InspectionTlsTest : public InspectionTest {
protected:
  void startTlsGateway() {
    const auto cert = pki_.issue({"good.test", "*.good.test", "bad.test", "other.test"});
    const auto domains = dir_.write("sni.txt", "bad.test\n");
    const auto yaml =
        fmt::format(kTlsConfig, port_, cert.cert, cert.key, upstream_.address(), domains);
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  // An HTTPS GET to `name` (sent as SNI and Host unless `host` overrides the Host header).
  std::pair<int, int> https(const std::string& name, const std::string& host = "") {
    std::vector<std::string> args = {
        "-s",          "-o",           "/dev/null",
        "-w",          "%{http_code}", "--cacert",
        pki_.caCert(), "--resolve",    fmt::format("{}:{}:127.0.0.1", name, port_)};
    if (!host.empty()) {
      args.push_back("-H");
      args.push_back("Host: " + host);
    }
    args.push_back(fmt::format("https://{}:{}/", name, port_));
    const auto result = curl(args);
    return {result.out.empty() ? 0 : std::stoi(result.out), result.exit_code};
  }

  Pki pki_{dir_};
};

TEST_F(InspectionTlsTest, AListedSniGetsNoRequestThrough) {
  ASSERT_NO_FATAL_FAILURE(startTlsGateway());

  EXPECT_EQ(https("www.good.test").first, 200);
  const auto [status, exit_code] = https("bad.test");
  EXPECT_EQ(status, 0);
  EXPECT_NE(exit_code, 0);
  EXPECT_EQ(https("sub.bad.test").first, 0); // the list covers subdomains
  EXPECT_TRUE(gateway_.waitForStat("lists.sni_rejected", 2));
  EXPECT_EQ(upstream_.requests().size(), 1U);
}

TEST_F(InspectionTlsTest, DomainFrontingIsRefusedWhenSetTo) {
  ASSERT_NO_FATAL_FAILURE(startTlsGateway());

  EXPECT_EQ(https("good.test", "other.test").first, 403);
  EXPECT_EQ(https("good.test", "GOOD.test:443").first, 200); // the same host, normalised
  EXPECT_TRUE(gateway_.waitForStat("ips.domain_fronting", 1));
  const auto alerts = alertsFor(0);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].at("alert").as_object().at("policy").as_object().at("kind").as_string(),
            "domain_fronting");
  EXPECT_EQ(alerts[0].at("tls").as_object().at("sni").as_string(), "good.test");
}

// Reloads: POST /rules/reload and SIGHUP swap the rule set in; a set that cannot load never
// replaces the running one.
class RuleReloadTest : public InspectionTest {
protected:
  void startWith(const std::string& rules) {
    rules_path_ = dir_.write("reload.rules", rules);
    const auto yaml = fmt::format(R"(listeners:
  - name: edge
    address: 127.0.0.1:{}
    routes:
      - path_prefix: /
        cluster: web
clusters:
  - name: web
    endpoints:
      - address: {}
inspection:
  rules: [{}]
)",
                                  port_, upstream_.address(), rules_path_);
    std::string error;
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
  }

  static std::string rejectRule(const std::string& path, int sid) {
    return fmt::format("reject http any any -> any any (msg:\"no {}\"; flow:to_server; "
                       "http.uri; content:\"{}\"; sid:{};)\n",
                       path, path, sid);
  }

  // POST (or GET) on the admin listener: the status and body.
  std::pair<int, std::string> admin(const std::string& method, const std::string& path) {
    const auto result = curl({"-s", "-X", method, "-w", "\n%{http_code}",
                              fmt::format("http://127.0.0.1:{}{}", gateway_.adminPort(), path)});
    const auto last = result.out.rfind('\n');
    if (last == std::string::npos) {
      return {0, result.err};
    }
    return {std::stoi(result.out.substr(last + 1)), result.out.substr(0, last)};
  }

  std::string rules_path_;
};

TEST_F(RuleReloadTest, AdminReloadSwapsTheRuleSetIn) {
  ASSERT_NO_FATAL_FAILURE(startWith(rejectRule("/old", 1)));
  EXPECT_EQ(get("/old"), 403);
  EXPECT_EQ(get("/new"), 200);

  dir_.write("reload.rules", rejectRule("/new", 2));
  const auto [status, body] = admin("POST", "/rules/reload");
  ASSERT_EQ(status, 200) << body;
  const auto answer = json::parse(body).as_object();
  EXPECT_EQ(answer.at("result").as_string(), "applied");
  EXPECT_EQ(answer.at("load").as_object().at("version").as_int64(), 2);

  EXPECT_EQ(get("/new"), 403);
  EXPECT_EQ(get("/old"), 200);
  const auto rules = json::parse(admin("GET", "/rules").second).as_object();
  EXPECT_EQ(rules.at("running").as_object().at("version").as_int64(), 2);
  EXPECT_EQ(rules.at("running").as_object().at("rules_loaded").as_int64(), 1);
  EXPECT_EQ(admin("GET", "/rules/reload").first, 405);
  EXPECT_EQ(gateway_.stat("rules.reload_success"), 1);
}

TEST_F(RuleReloadTest, ASetThatCannotLoadNeverReplacesTheRunningOne) {
  ASSERT_NO_FATAL_FAILURE(startWith(rejectRule("/old", 1)));
  std::filesystem::remove(rules_path_);

  const auto [status, body] = admin("POST", "/rules/reload");
  EXPECT_EQ(status, 500);
  EXPECT_NE(body.find("reload.rules"), std::string::npos) << body;
  EXPECT_EQ(get("/old"), 403);
  EXPECT_EQ(gateway_.stat("rules.reload_failure"), 1);
  const auto rules = json::parse(admin("GET", "/rules").second).as_object();
  EXPECT_EQ(rules.at("running").as_object().at("version").as_int64(), 1);
  EXPECT_EQ(rules.at("last_reload").as_object().at("result").as_string(), "refused");
}

TEST_F(RuleReloadTest, SighupReloadsAndBadRulesAreReportedWithTheirLine) {
  ASSERT_NO_FATAL_FAILURE(startWith(rejectRule("/old", 1)));
  dir_.write("reload.rules", rejectRule("/new", 2) +
                                 "alert http any any -> any any (msg:\"x\"; "
                                 "http.uri; content:\"a\"; bogus_kw; sid:3;)\n");
  gateway_.process().signal(SIGHUP);
  EXPECT_TRUE(gateway_.waitForStat("rules.reload_success", 1));
  EXPECT_EQ(get("/new"), 403);
  const auto rules = json::parse(admin("GET", "/rules").second).as_object();
  const auto& errors = rules.at("running").as_object().at("errors").as_array();
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(std::string(errors[0].as_string()).find("reload.rules:2: sid 3"), std::string::npos)
      << errors[0];
  EXPECT_TRUE(gateway_.process().running());
}

} // namespace
} // namespace bulwark::testing
