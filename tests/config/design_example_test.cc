// The config example of DESIGN.md is a contract: it must load as written, and mean what it says.
// tests/config/data/design_example.yaml is a verbatim copy of that block.

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/temp_dir.h"

namespace bulwark::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::TempDir;

std::string readDataFile(const std::string& name) {
  std::ifstream in(std::string(BULWARK_SOURCE_DIR) + "/tests/config/data/" + name);
  EXPECT_TRUE(in) << "missing test data " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class DesignExampleTest : public ::testing::Test {
protected:
  void SetUp() override {
    // The loader checks that referenced files exist and are readable, not what is in them.
    for (const char* file : {"tls/edge.crt", "tls/edge.key", "tls/internal-ca.crt",
                             "rules/default/a.rules", "rules/default/blocked-domains.txt",
                             "rules/default/blocked-urls.txt", "rules/default/blocked-ips.txt"}) {
      dir_.write(file);
    }
    config_path_ = dir_.write("bulwark.yaml", readDataFile("design_example.yaml"));
    result_ = loadConfigFile(config_path_);
    for (const auto& error : result_.errors) {
      ADD_FAILURE() << error.toString();
    }
  }

  TempDir dir_;
  std::string config_path_;
  LoadResult result_;
};

TEST_F(DesignExampleTest, LoadsWithoutErrorsOrWarnings) {
  EXPECT_TRUE(result_.ok());
  EXPECT_THAT(result_.warnings, IsEmpty());
  EXPECT_EQ(result_.config.source, config_path_);
  EXPECT_EQ(result_.config.base_dir, dir_.path());
}

TEST_F(DesignExampleTest, ReadsTopLevelValues) {
  const Config& c = result_.config;
  EXPECT_EQ(c.workers, 2U);
  EXPECT_EQ(c.admin.address.host, "127.0.0.1");
  EXPECT_EQ(c.admin.address.port, 9901);
  EXPECT_EQ(c.desync_mitigation, DesyncMode::Defensive);
  EXPECT_FALSE(c.demo_upstream.has_value());
  EXPECT_EQ(c.drain.delay, Duration(0));
  EXPECT_EQ(c.drain.timeout, Duration(30'000));
}

TEST_F(DesignExampleTest, ReadsHttpsListener) {
  ASSERT_EQ(result_.config.listeners.size(), 2U);
  const Listener& https = result_.config.listeners[0];
  EXPECT_EQ(https.name, "https");
  EXPECT_EQ(https.address.toString(), "0.0.0.0:8443");
  EXPECT_EQ(https.mark.line, 7);
  EXPECT_EQ(https.mark.column, 5);
  EXPECT_FALSE(https.redirect_to_https.has_value());

  ASSERT_TRUE(https.tls.has_value());
  const ListenerTls& tls = *https.tls;
  EXPECT_EQ(tls.policy, TlsPolicy::Strict);
  ASSERT_EQ(tls.certificates.size(), 1U);
  EXPECT_EQ(tls.certificates[0].cert_file, dir_.abs("tls/edge.crt"));
  EXPECT_EQ(tls.certificates[0].key_file, dir_.abs("tls/edge.key"));
  EXPECT_FALSE(tls.self_signed);
  EXPECT_EQ(tls.hsts, "max-age=63072000; includeSubDomains");
  EXPECT_EQ(tls.min_version, "");
  EXPECT_EQ(tls.ciphers, "");
  EXPECT_EQ(tls.ciphersuites, "");
  EXPECT_EQ(tls.groups, "");
  EXPECT_EQ(tls.session_ticket_rotation, Duration(12 * 3'600'000));
  EXPECT_EQ(tls.handshake_timeout, Duration(10'000));
}

TEST_F(DesignExampleTest, ReadsRoutesInOrder) {
  ASSERT_EQ(result_.config.listeners.size(), 2U);
  const auto& routes = result_.config.listeners[0].routes;
  ASSERT_EQ(routes.size(), 2U);
  EXPECT_EQ(routes[0].tenant, "demo");
  EXPECT_EQ(routes[0].cluster, "");
  EXPECT_EQ(routes[0].path_prefix, "");
  EXPECT_THAT(routes[0].hosts, IsEmpty());
  EXPECT_EQ(routes[0].mark.line, 16);
  EXPECT_EQ(routes[1].tenant, "");
  EXPECT_EQ(routes[1].path_prefix, "/");
  EXPECT_EQ(routes[1].cluster, "web");
  EXPECT_THAT(routes[1].hosts, IsEmpty());
}

TEST_F(DesignExampleTest, ReadsRedirectListener) {
  ASSERT_EQ(result_.config.listeners.size(), 2U);
  const Listener& http = result_.config.listeners[1];
  EXPECT_EQ(http.name, "http");
  EXPECT_EQ(http.address.toString(), "0.0.0.0:8080");
  EXPECT_FALSE(http.tls.has_value());
  EXPECT_THAT(http.routes, IsEmpty());
  EXPECT_EQ(http.redirect_to_https, std::optional<uint16_t>(8443));
}

TEST_F(DesignExampleTest, ReadsTenant) {
  ASSERT_EQ(result_.config.tenants.size(), 1U);
  const Tenant& demo = result_.config.tenants[0];
  EXPECT_EQ(demo.name, "demo");
  EXPECT_EQ(demo.path_prefix, "/client/demo/");
  EXPECT_THAT(demo.hosts, ElementsAre("demo.example.com"));
  EXPECT_EQ(demo.cluster, "demo-web");
  EXPECT_EQ(demo.mark.line, 24);
  EXPECT_EQ(result_.config.findTenant("demo"), &demo);
}

TEST_F(DesignExampleTest, ReadsWebCluster) {
  ASSERT_EQ(result_.config.clusters.size(), 2U);
  const Cluster& web = result_.config.clusters[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.lb_policy, LbPolicy::LeastRequest);
  ASSERT_EQ(web.endpoints.size(), 3U);
  EXPECT_EQ(web.endpoints[0].address.toString(), "127.0.0.1:9001");
  EXPECT_EQ(web.endpoints[0].priority, 0U);
  EXPECT_EQ(web.endpoints[0].weight, 1U);
  EXPECT_EQ(web.endpoints[1].address.toString(), "127.0.0.1:9002");
  EXPECT_EQ(web.endpoints[1].priority, 0U);
  EXPECT_EQ(web.endpoints[2].address.toString(), "127.0.0.1:9101");
  EXPECT_EQ(web.endpoints[2].priority, 1U);
  EXPECT_EQ(web.endpoints[2].weight, 1U);
  EXPECT_EQ(web.connect_timeout, Duration(2000));
  EXPECT_FALSE(web.upstream_tls.has_value());
  EXPECT_EQ(web.max_idle_connections_per_endpoint, 64U);
}

TEST_F(DesignExampleTest, ReadsHealthCheckAndOutlierDetection) {
  ASSERT_EQ(result_.config.clusters.size(), 2U);
  const Cluster& web = result_.config.clusters[0];
  ASSERT_TRUE(web.health_check.has_value());
  EXPECT_EQ(web.health_check->path, "/healthz");
  EXPECT_EQ(web.health_check->interval, Duration(2000));
  EXPECT_EQ(web.health_check->timeout, Duration(1000));
  EXPECT_EQ(web.health_check->healthy_threshold, 2U);
  EXPECT_EQ(web.health_check->unhealthy_threshold, 3U);
  EXPECT_THAT(web.health_check->expected_statuses, ElementsAre(200U));
  EXPECT_EQ(web.outlier_detection.consecutive_5xx, 5U);
  EXPECT_EQ(web.outlier_detection.base_ejection_time, Duration(30'000));
  EXPECT_EQ(web.outlier_detection.max_ejection_time, Duration(300'000));
  EXPECT_EQ(web.outlier_detection.max_ejection_percent, 50U);
}

TEST_F(DesignExampleTest, ReadsReencryptingCluster) {
  ASSERT_EQ(result_.config.clusters.size(), 2U);
  const Cluster& demo_web = result_.config.clusters[1];
  EXPECT_EQ(demo_web.name, "demo-web");
  EXPECT_EQ(demo_web.lb_policy, LbPolicy::RoundRobin);
  ASSERT_EQ(demo_web.endpoints.size(), 1U);
  EXPECT_EQ(demo_web.endpoints[0].address.toString(), "127.0.0.1:9443");
  EXPECT_FALSE(demo_web.health_check.has_value());
  EXPECT_EQ(demo_web.connect_timeout, Duration(5000));
  ASSERT_TRUE(demo_web.upstream_tls.has_value());
  EXPECT_EQ(demo_web.upstream_tls->ca, dir_.abs("tls/internal-ca.crt"));
  EXPECT_EQ(demo_web.upstream_tls->server_name, "web.internal");
  EXPECT_TRUE(demo_web.upstream_tls->verify);
  EXPECT_EQ(demo_web.upstream_tls->cert, "");
  EXPECT_EQ(demo_web.upstream_tls->key, "");
  EXPECT_EQ(result_.config.findCluster("demo-web"), &demo_web);
}

TEST_F(DesignExampleTest, ReadsFirewall) {
  const Firewall& firewall = result_.config.firewall;
  EXPECT_THAT(firewall.deny, ElementsAre("203.0.113.0/24"));
  EXPECT_THAT(firewall.allow, IsEmpty());
  EXPECT_EQ(firewall.max_connections_per_ip, 256U);
  ASSERT_TRUE(firewall.request_rate_per_ip.has_value());
  EXPECT_EQ(firewall.request_rate_per_ip->rate, 200U);
  EXPECT_EQ(firewall.request_rate_per_ip->per, Duration(1000));
  EXPECT_EQ(firewall.request_rate_per_ip->burst, 400U);
}

TEST_F(DesignExampleTest, ReadsInspection) {
  const Inspection& inspection = result_.config.inspection;
  EXPECT_EQ(inspection.mode, InspectionMode::Block);
  EXPECT_THAT(inspection.rules, ElementsAre(dir_.abs("rules/default/a.rules")));
  ASSERT_EQ(inspection.domain_lists.size(), 1U);
  EXPECT_EQ(inspection.domain_lists[0].file, dir_.abs("rules/default/blocked-domains.txt"));
  EXPECT_EQ(inspection.domain_lists[0].action, ListAction::Reject);
  EXPECT_THAT(inspection.domain_lists[0].match_on, ElementsAre(MatchOn::Sni, MatchOn::Host));
  ASSERT_EQ(inspection.url_lists.size(), 1U);
  EXPECT_EQ(inspection.url_lists[0].file, dir_.abs("rules/default/blocked-urls.txt"));
  EXPECT_EQ(inspection.url_lists[0].action, ListAction::Reject);
  EXPECT_FALSE(inspection.url_lists[0].case_sensitive);
  ASSERT_EQ(inspection.ip_lists.size(), 1U);
  EXPECT_EQ(inspection.ip_lists[0].file, dir_.abs("rules/default/blocked-ips.txt"));
  EXPECT_EQ(inspection.ip_lists[0].action, ListAction::Drop);
  EXPECT_EQ(inspection.body_inspection_limit, 1U << 20);
  EXPECT_EQ(inspection.on_scan_error, ScanErrorPolicy::FailClosed);
}

TEST_F(DesignExampleTest, ReadsLimitsAndLogging) {
  const Limits& limits = result_.config.limits;
  EXPECT_EQ(limits.max_request_header_bytes, 32U * 1024);
  EXPECT_EQ(limits.max_request_body_bytes, 100ULL << 20);
  EXPECT_EQ(limits.max_request_headers, 100U);
  EXPECT_EQ(limits.request_header_timeout, Duration(10'000));
  EXPECT_EQ(limits.idle_timeout, Duration(60'000));
  EXPECT_EQ(limits.upstream_response_timeout, Duration(30'000));

  const Logging& logging = result_.config.logging;
  EXPECT_EQ(logging.level, "info");
  EXPECT_EQ(logging.access_log, "stdout");
  EXPECT_EQ(logging.alert_log, "/var/log/bulwark/alerts.json");
}

// The copy under tests/ must not drift from the contract it stands for.
TEST(DesignExampleCopyTest, MatchesTheBlockInDesignMd) {
  std::ifstream design("/work/shared/DESIGN.md");
  if (!design) {
    GTEST_SKIP() << "DESIGN.md is not at /work/shared on this machine";
  }
  std::ostringstream text;
  text << design.rdbuf();
  const std::string doc = text.str();
  const size_t start = doc.find("```yaml\n");
  ASSERT_NE(start, std::string::npos);
  const size_t end = doc.find("```\n", start + 8);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(doc.substr(start + 8, end - start - 8), readDataFile("design_example.yaml"));
}

} // namespace
} // namespace bulwark::config
