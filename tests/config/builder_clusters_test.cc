// Clusters (config/builder_clusters.cc), through the loader.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/loader_fixture.h"

namespace bulwark::config {
namespace {

using testing::ConfigLoaderTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(ConfigLoaderTest, ReportsClusterWithNoEndpoints) {
  EXPECT_THAT(errors(loadWith("  - name: empty\n    endpoints: []\n  - name: none\n")),
              ElementsAre("t.yaml:11:16: clusters[1].endpoints: a cluster needs at least one "
                          "endpoint",
                          "t.yaml:12:5: clusters[2]: a cluster needs at least one endpoint"));
}

TEST_F(ConfigLoaderTest, FillsHealthCheckDefaultsWhenOnlyPathIsSet) {
  const LoadResult result = loadWith("    health_check:\n      path: /healthz\n");
  ASSERT_THAT(errors(result), IsEmpty());
  const auto& check = result.config.clusters[0].health_check;
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->path, "/healthz");
  EXPECT_EQ(check->interval, Duration(5000));
  EXPECT_EQ(check->timeout, Duration(2000));
  EXPECT_EQ(check->healthy_threshold, 2U);
  EXPECT_EQ(check->unhealthy_threshold, 3U);
  EXPECT_THAT(check->expected_statuses, ElementsAre(200U));
}

TEST_F(ConfigLoaderTest, EnablesHealthCheckWithDefaultsWhenSectionIsEmpty) {
  const LoadResult result = loadWith("    health_check:\n");
  ASSERT_THAT(errors(result), IsEmpty());
  ASSERT_TRUE(result.config.clusters[0].health_check.has_value());
  EXPECT_EQ(result.config.clusters[0].health_check->path, "/");
}

TEST_F(ConfigLoaderTest, ReportsExpectedStatusesOutOfRange) {
  const LoadResult result =
      loadWith("    health_check:\n      expected_statuses: [200, 99, 600, 302]\n");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:11:32: clusters[0].health_check.expected_statuses[1]: must be "
                          "100-599, got 99",
                          "t.yaml:11:36: clusters[0].health_check.expected_statuses[2]: must be "
                          "100-599, got 600"));
}

TEST_F(ConfigLoaderTest, ReadsSeveralExpectedStatuses) {
  const LoadResult result = loadWith("    health_check:\n      expected_statuses: [200, 302]\n");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_THAT(result.config.clusters[0].health_check->expected_statuses, ElementsAre(200U, 302U));
}

TEST_F(ConfigLoaderTest, ReportsZeroThresholds) {
  const LoadResult result = loadWith(R"(    health_check:
      healthy_threshold: 0
      unhealthy_threshold: 0
    outlier_detection:
      consecutive_5xx: 0
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:11:26: clusters[0].health_check.healthy_threshold: must be "
                          "1-1000, got 0",
                          "t.yaml:12:28: clusters[0].health_check.unhealthy_threshold: must be "
                          "1-1000, got 0",
                          "t.yaml:14:24: clusters[0].outlier_detection.consecutive_5xx: must be "
                          "1-1000, got 0"));
}

TEST_F(ConfigLoaderTest, ReadsEveryClusterKey) {
  dir_.write("ca.pem");
  dir_.write("client.pem");
  dir_.write("client.key");
  const LoadResult result = loadWith(R"(  - name: full
    lb_policy: ring_hash
    endpoints: [{address: 10.0.0.1:443, priority: 1, weight: 5}]
    health_check: {path: /ping, interval: 3s, timeout: 500ms, healthy_threshold: 4,
                   unhealthy_threshold: 6, expected_statuses: [204]}
    outlier_detection: {consecutive_5xx: 7, base_ejection_time: 10s, max_ejection_time: 2m,
                        max_ejection_percent: 30}
    connect_timeout: 750ms
    upstream_tls: {ca: ca.pem, server_name: web.internal, verify: true, cert: client.pem,
                   key: client.key}
    max_idle_connections_per_endpoint: 8
)");
  ASSERT_THAT(errors(result), IsEmpty());
  ASSERT_EQ(result.config.clusters.size(), 2U);
  const Cluster& c = result.config.clusters[1];
  EXPECT_EQ(c.lb_policy, LbPolicy::RingHash);
  EXPECT_EQ(c.endpoints[0].address.toString(), "10.0.0.1:443");
  EXPECT_EQ(c.endpoints[0].priority, 1U);
  EXPECT_EQ(c.endpoints[0].weight, 5U);
  EXPECT_EQ(c.health_check->path, "/ping");
  EXPECT_EQ(c.health_check->interval, Duration(3000));
  EXPECT_EQ(c.health_check->timeout, Duration(500));
  EXPECT_EQ(c.health_check->healthy_threshold, 4U);
  EXPECT_EQ(c.health_check->unhealthy_threshold, 6U);
  EXPECT_THAT(c.health_check->expected_statuses, ElementsAre(204U));
  EXPECT_EQ(c.outlier_detection.consecutive_5xx, 7U);
  EXPECT_EQ(c.outlier_detection.base_ejection_time, Duration(10'000));
  EXPECT_EQ(c.outlier_detection.max_ejection_time, Duration(120'000));
  EXPECT_EQ(c.outlier_detection.max_ejection_percent, 30U);
  EXPECT_EQ(c.connect_timeout, Duration(750));
  EXPECT_EQ(c.upstream_tls->ca, dir_.abs("ca.pem"));
  EXPECT_EQ(c.upstream_tls->server_name, "web.internal");
  EXPECT_TRUE(c.upstream_tls->verify);
  EXPECT_EQ(c.upstream_tls->cert, dir_.abs("client.pem"));
  EXPECT_EQ(c.upstream_tls->key, dir_.abs("client.key"));
  EXPECT_EQ(c.max_idle_connections_per_endpoint, 8U);
}

TEST_F(ConfigLoaderTest, WarnsWhenUpstreamVerificationIsOff) {
  const LoadResult result = loadWith("    upstream_tls: {verify: false}\n");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_FALSE(result.config.clusters[0].upstream_tls->verify);
  EXPECT_THAT(result.warnings, ElementsAre(HasSubstr("t.yaml:10:28: clusters[0].upstream_tls."
                                                     "verify: upstream certificates are not "
                                                     "verified")));
}

} // namespace
} // namespace bulwark::config
