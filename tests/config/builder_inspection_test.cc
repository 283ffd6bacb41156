// Firewall and inspection (config/builder_inspection.cc), through the loader.

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

TEST_F(ConfigLoaderTest, ReportsInvalidCidrs) {
  const LoadResult result = loadWith(R"(firewall:
  deny: [10.0.0.0/33, 300.1.1.1/8, "2001:db8::/129", 10.0.0.0/x, 2001:db8::zz/64]
  allow: [192.0.2.0/24, "2001:db8::/32", 198.51.100.7]
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:11:10: firewall.deny[0]: bad CIDR '10.0.0.0/33': the prefix "
                          "length must be 0-32",
                          "t.yaml:11:23: firewall.deny[1]: bad CIDR '300.1.1.1/8': '300.1.1.1' is "
                          "not a valid IPv4 address",
                          "t.yaml:11:36: firewall.deny[2]: bad CIDR '2001:db8::/129': the prefix "
                          "length must be 0-128",
                          "t.yaml:11:54: firewall.deny[3]: bad CIDR '10.0.0.0/x': the prefix "
                          "length must be 0-32",
                          "t.yaml:11:66: firewall.deny[4]: bad CIDR '2001:db8::zz/64': "
                          "'2001:db8::zz' is not a valid IPv6 address"));
  EXPECT_THAT(result.config.firewall.allow,
              ElementsAre("192.0.2.0/24", "2001:db8::/32", "198.51.100.7"));
}

TEST_F(ConfigLoaderTest, WarnsAboutCidrWithHostBits) {
  const LoadResult result = loadWith("firewall:\n  deny: [203.0.113.5/24]\n");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_THAT(result.warnings, ElementsAre(HasSubstr("t.yaml:11:10: firewall.deny[0]: "
                                                     "'203.0.113.5/24' has bits set past")));
}

TEST_F(ConfigLoaderTest, DefaultsBurstToRate) {
  const LoadResult result = loadWith("firewall:\n  request_rate_per_ip: {rate: 50}\n");
  ASSERT_THAT(errors(result), IsEmpty());
  ASSERT_TRUE(result.config.firewall.request_rate_per_ip.has_value());
  EXPECT_EQ(result.config.firewall.request_rate_per_ip->rate, 50U);
  EXPECT_EQ(result.config.firewall.request_rate_per_ip->per, Duration(1000));
  EXPECT_EQ(result.config.firewall.request_rate_per_ip->burst, 50U);
}

TEST_F(ConfigLoaderTest, ReportsRateLimitWithoutRate) {
  EXPECT_THAT(errors(loadWith("firewall:\n  request_rate_per_ip: {per: 1s}\n")),
              ElementsAre("t.yaml:11:24: missing required key 'rate' in "
                          "firewall.request_rate_per_ip"));
}

TEST_F(ConfigLoaderTest, ReadsListOptions) {
  dir_.write("d.txt");
  dir_.write("u.txt");
  dir_.write("i.txt");
  const LoadResult result = loadWith(R"(inspection:
  mode: detect
  domain_lists: [{file: d.txt, action: allow, match_on: [host]}]
  url_lists: [{file: u.txt, action: alert, case_sensitive: true}]
  ip_lists: [{file: i.txt, action: reject}]
  on_scan_error: fail_open
)");
  ASSERT_THAT(errors(result), IsEmpty());
  const Inspection& inspection = result.config.inspection;
  EXPECT_EQ(inspection.mode, InspectionMode::Detect);
  EXPECT_EQ(inspection.domain_lists[0].action, ListAction::Allow);
  EXPECT_THAT(inspection.domain_lists[0].match_on, ElementsAre(MatchOn::Host));
  EXPECT_EQ(inspection.url_lists[0].action, ListAction::Alert);
  EXPECT_TRUE(inspection.url_lists[0].case_sensitive);
  EXPECT_EQ(inspection.ip_lists[0].action, ListAction::Reject);
  EXPECT_EQ(inspection.on_scan_error, ScanErrorPolicy::FailOpen);
}

TEST_F(ConfigLoaderTest, ReportsBadListActionAndMatchOn) {
  dir_.write("d.txt");
  EXPECT_THAT(errors(loadWith("inspection:\n  domain_lists:\n    - file: d.txt\n"
                              "      action: block\n      match_on: [sni, url]\n")),
              ElementsAre("t.yaml:13:15: inspection.domain_lists[0].action: unknown value "
                          "'block'; allowed: reject, drop, alert, allow",
                          "t.yaml:14:23: inspection.domain_lists[0].match_on[1]: unknown value "
                          "'url'; allowed: sni, host"));
}

} // namespace
} // namespace bulwark::config
