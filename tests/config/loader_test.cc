// Loading as a whole: error reporting, YAML structure, scalar forms, files and paths.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/loader_fixture.h"

namespace bulwark::config {
namespace {

using ::testing::AllOf;
using testing::ConfigLoaderTest;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kMinimal;
using ::testing::Not;

TEST_F(ConfigLoaderTest, LoadsMinimalConfigWithDefaults) {
  const LoadResult result = load(kMinimal);
  ASSERT_THAT(errors(result), IsEmpty());
  const Config& c = result.config;
  EXPECT_EQ(c.workers, 0U);
  EXPECT_EQ(c.admin.address.toString(), "127.0.0.1:9901");
  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_EQ(c.listeners[0].address.port, 0);
  EXPECT_FALSE(c.listeners[0].tls.has_value());
  ASSERT_EQ(c.clusters.size(), 1U);
  EXPECT_EQ(c.clusters[0].lb_policy, LbPolicy::RoundRobin);
  EXPECT_FALSE(c.clusters[0].health_check.has_value());
  EXPECT_EQ(c.clusters[0].connect_timeout, Duration(5000));
  EXPECT_EQ(c.inspection.mode, InspectionMode::Block);
  EXPECT_THAT(c.inspection.rules, IsEmpty());
  EXPECT_EQ(c.limits.max_request_headers, 100U);
  EXPECT_EQ(c.desync_mitigation, DesyncMode::Defensive);
  EXPECT_EQ(c.logging.access_log, "stdout");
  EXPECT_EQ(c.logging.alert_log, "");
  EXPECT_EQ(c.source, "t.yaml");
  EXPECT_EQ(c.base_dir, dir_.path());
}

TEST_F(ConfigLoaderTest, ReportsEveryErrorInFileOrderWithLineAndColumn) {
  const LoadResult result = load(R"(workers: lots
admin:
  adress: 127.0.0.1:9901
listeners:
  - name: https
    address: 0.0.0.0:99999
    routes:
      - cluster: nowhere
clusters:
  - name: web
    lb_policy: fastest
    endpoints:
      - address: 127.0.0.1:9001
    connect_timeout: 2 seconds
)");
  EXPECT_THAT(
      errors(result),
      ElementsAre(
          "t.yaml:1:10: workers: expected a whole number, got 'lots'",
          "t.yaml:3:3: unknown key 'adress' in admin; allowed: address; did you mean 'address'?",
          "t.yaml:6:14: listeners[0].address: bad address '0.0.0.0:99999': the port must be "
          "0-65535",
          "t.yaml:8:18: listeners[0].routes[0].cluster: unknown cluster 'nowhere'",
          "t.yaml:11:16: clusters[0].lb_policy: unknown value 'fastest'; allowed: round_robin, "
          "least_request, random, ring_hash",
          "t.yaml:14:22: clusters[0].connect_timeout: bad duration '2 seconds'; write a whole "
          "number and a unit: 250ms, 2s, 5m, 1h"));
  EXPECT_FALSE(result.ok());
}

TEST_F(ConfigLoaderTest, FormatsErrorAsFileLineColumnMessage) {
  EXPECT_EQ((ConfigError{SourceMark{"a.yaml", 3, 7}, "boom"}).toString(), "a.yaml:3:7: boom");
  EXPECT_EQ((ConfigError{SourceMark{"a.yaml", 0, 0}, "cannot open"}).toString(),
            "a.yaml: cannot open");
}

// ---- syntax and structure ---------------------------------------------------------------------

TEST_F(ConfigLoaderTest, ReportsYamlSyntaxErrorWithLineAndColumn) {
  const LoadResult result = load("workers: 2\nlisteners: [a, b\nclusters: []\n");
  ASSERT_EQ(result.errors.size(), 1U);
  EXPECT_EQ(result.errors[0].mark.file, "t.yaml");
  EXPECT_EQ(result.errors[0].mark.line, 3);
  EXPECT_EQ(result.errors[0].mark.column, 9);
  EXPECT_THAT(result.errors[0].message, HasSubstr("YAML syntax error"));
}

TEST_F(ConfigLoaderTest, ReportsBadIndentationAsSyntaxError) {
  const LoadResult result = load("workers: 2\n  admin: 1\n");
  EXPECT_THAT(errors(result), ElementsAre("t.yaml:2:8: YAML syntax error: illegal map value"));
}

TEST_F(ConfigLoaderTest, ReportsUnknownKeyWithLineAndColumn) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes:
      - cluster: web
clusters:
  - name: web
    lb_polcy: random
    endpoints:
      - address: 127.0.0.1:9001
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:8:5: unknown key 'lb_polcy' in clusters[0]; allowed: name, "
                          "lb_policy, endpoints, health_check, outlier_detection, "
                          "connect_timeout, upstream_tls, max_idle_connections_per_endpoint; "
                          "did you mean 'lb_policy'?"));
}

TEST_F(ConfigLoaderTest, ReportsUnknownKeyWithoutSuggestionWhenNothingIsClose) {
  const LoadResult result = loadWith("frobnicate: 1\n");
  ASSERT_EQ(result.errors.size(), 1U);
  EXPECT_EQ(result.errors[0].mark.line, 10);
  EXPECT_EQ(result.errors[0].mark.column, 1);
  EXPECT_THAT(result.errors[0].message,
              AllOf(HasSubstr("unknown key 'frobnicate' at the top level; allowed: workers, "
                              "admin, listeners,"),
                    Not(HasSubstr("did you mean"))));
}

TEST_F(ConfigLoaderTest, SuggestsKeyWithSwappedLetters) {
  const LoadResult result = loadWith("limits:\n  idle_tiemout: 5s\n");
  ASSERT_EQ(result.errors.size(), 1U);
  EXPECT_THAT(result.errors[0].message, HasSubstr("did you mean 'idle_timeout'?"));
}

TEST_F(ConfigLoaderTest, ReportsDuplicateKey) {
  const LoadResult result = loadWith("workers: 2\nworkers: 3\n");
  EXPECT_THAT(errors(result), ElementsAre("t.yaml:11:1: duplicate key 'workers' at the top level"));
}

TEST_F(ConfigLoaderTest, ReportsMapWhereListIsExpected) {
  const LoadResult result = load(R"(listeners:
  name: web
  address: 127.0.0.1:0
)");
  EXPECT_THAT(errors(result), ElementsAre("t.yaml:2:3: listeners: expected a list, got a map"));
}

TEST_F(ConfigLoaderTest, ReportsScalarWhereListIsExpected) {
  const LoadResult result = loadWith("inspection:\n  rules: rules/*.rules\n");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:11:10: inspection.rules: expected a list, got 'rules/*.rules'"));
}

TEST_F(ConfigLoaderTest, ReportsListWhereScalarIsExpected) {
  const LoadResult result = loadWith("logging:\n  level: [info]\n");
  EXPECT_THAT(errors(result), ElementsAre("t.yaml:11:10: logging.level: expected one of the "
                                          "listed values, got a list"));
}

TEST_F(ConfigLoaderTest, ReportsMissingRequiredKey) {
  const LoadResult result = load(R"(listeners:
  - name: web
    routes:
      - cluster: web
clusters:
  - name: web
    endpoints:
      - priority: 1
)");
  EXPECT_THAT(
      errors(result),
      ElementsAre("t.yaml:2:5: missing required key 'address' in listeners[0]",
                  "t.yaml:8:9: missing required key 'address' in clusters[0].endpoints[0]"));
}

TEST_F(ConfigLoaderTest, ReportsEmptyFileAsHavingNoListeners) {
  const LoadResult result = load("");
  ASSERT_EQ(result.errors.size(), 1U);
  EXPECT_THAT(result.errors[0].message, HasSubstr("at least one listener is required"));
}

TEST_F(ConfigLoaderTest, ReportsTopLevelListAsWrongType) {
  const LoadResult result = load("- a\n- b\n");
  EXPECT_THAT(errors(result), ElementsAre("t.yaml:1:1: top level: expected a map, got a list"));
}

// ---- scalars ----------------------------------------------------------------------------------

TEST_F(ConfigLoaderTest, ReportsNonIntegerWorkers) {
  EXPECT_THAT(errors(loadWith("workers: 2.5\n")),
              ElementsAre("t.yaml:10:10: workers: expected a whole number, got '2.5'"));
  EXPECT_THAT(errors(loadWith("workers: -1\n")),
              ElementsAre("t.yaml:10:10: workers: expected a whole number, got '-1'"));
}

TEST_F(ConfigLoaderTest, ReportsTooManyWorkers) {
  EXPECT_THAT(errors(loadWith("workers: 257\n")),
              ElementsAre("t.yaml:10:10: workers: must be 0-256, got 257"));
  const LoadResult result = loadWith("workers: 256\n");
  EXPECT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.workers, 256U);
}

TEST_F(ConfigLoaderTest, ReportsBadDuration) {
  const LoadResult result =
      loadWith("limits:\n  idle_timeout: 60\n  request_header_timeout: 1.5s\n");
  EXPECT_THAT(errors(result),
              ElementsAre(HasSubstr("t.yaml:11:17: limits.idle_timeout: bad duration '60'"),
                          HasSubstr("t.yaml:12:27: limits.request_header_timeout: bad duration "
                                    "'1.5s'")));
}

TEST_F(ConfigLoaderTest, ReportsZeroDurationWhereATimeIsNeeded) {
  EXPECT_THAT(errors(loadWith("limits:\n  idle_timeout: 0s\n")),
              ElementsAre("t.yaml:11:17: limits.idle_timeout: must be longer than 0ms"));
}

TEST_F(ConfigLoaderTest, ReadsDurationsInEveryUnit) {
  const LoadResult result = loadWith(R"(limits:
  request_header_timeout: 250ms
  idle_timeout: 5m
  upstream_response_timeout: 1h
drain:
  delay: 0s
  timeout: 2s
)");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.limits.request_header_timeout, Duration(250));
  EXPECT_EQ(result.config.limits.idle_timeout, Duration(300'000));
  EXPECT_EQ(result.config.limits.upstream_response_timeout, Duration(3'600'000));
  EXPECT_EQ(result.config.drain.delay, Duration(0));
  EXPECT_EQ(result.config.drain.timeout, Duration(2000));
}

TEST_F(ConfigLoaderTest, ReportsBadSize) {
  const LoadResult result = loadWith("limits:\n  max_request_body_bytes: 10 MB\n"
                                     "inspection:\n  body_inspection_limit: 1Mib\n");
  EXPECT_THAT(
      errors(result),
      ElementsAre(HasSubstr("t.yaml:11:27: limits.max_request_body_bytes: bad size '10 MB'"),
                  HasSubstr("t.yaml:13:26: inspection.body_inspection_limit: bad size "
                            "'1Mib'")));
}

TEST_F(ConfigLoaderTest, ReadsSizes) {
  const LoadResult result = loadWith(R"(limits:
  max_request_header_bytes: 16KiB
  max_request_body_bytes: 2GiB
  max_request_headers: 50
inspection:
  body_inspection_limit: 512
)");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.limits.max_request_header_bytes, 16U * 1024);
  EXPECT_EQ(result.config.limits.max_request_body_bytes, 2ULL << 30);
  EXPECT_EQ(result.config.limits.max_request_headers, 50U);
  EXPECT_EQ(result.config.inspection.body_inspection_limit, 512U);
}

TEST_F(ConfigLoaderTest, ReportsBadBoolean) {
  EXPECT_THAT(errors(loadWith("inspection:\n  url_lists:\n    - file: u.txt\n"
                              "      case_sensitive: maybe\n")),
              Contains("t.yaml:13:23: inspection.url_lists[0].case_sensitive: expected true or "
                       "false, got 'maybe'"));
}

TEST_F(ConfigLoaderTest, ReportsBadEnumValueListingAllowedValues) {
  const LoadResult result = loadWith("desync_mitigation: paranoid\ninspection:\n  mode: blok\n");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:10:20: desync_mitigation: unknown value 'paranoid'; allowed: "
                          "monitor, defensive, strictest",
                          "t.yaml:12:9: inspection.mode: unknown value 'blok'; allowed: block, "
                          "detect; did you mean 'block'?"));
}

// ---- addresses --------------------------------------------------------------------------------

TEST_F(ConfigLoaderTest, ReportsBadAddresses) {
  const LoadResult result = load(R"(listeners:
  - name: a
    address: 127.0.0.1
    routes: [{cluster: web}]
  - name: b
    address: ::1:8443
    routes: [{cluster: web}]
  - name: c
    address: 10.0.0.256:80
    routes: [{cluster: web}]
clusters:
  - name: web
    endpoints:
      - address: 127.0.0.1:0
      - address: "[::1]:x"
)");
  EXPECT_THAT(
      errors(result),
      ElementsAre("t.yaml:3:14: listeners[0].address: bad address '127.0.0.1': expected host:port",
                  "t.yaml:6:14: listeners[1].address: bad address '::1:8443': an IPv6 address "
                  "needs brackets: [v6-address]:port",
                  "t.yaml:9:14: listeners[2].address: bad address '10.0.0.256:80': '10.0.0.256' "
                  "is not a valid IPv4 address",
                  "t.yaml:14:18: clusters[0].endpoints[0].address: bad address '127.0.0.1:0': "
                  "the port must be 1-65535",
                  "t.yaml:15:18: clusters[0].endpoints[1].address: bad address '[::1]:x': the "
                  "port must be 1-65535"));
}

TEST_F(ConfigLoaderTest, AllowsPortZeroOnlyForListenersAndAdmin) {
  const LoadResult ok = loadWith("admin:\n  address: 127.0.0.1:0\n");
  EXPECT_THAT(errors(ok), IsEmpty());
  EXPECT_EQ(ok.config.admin.address.port, 0);

  EXPECT_THAT(errors(loadWith("demo_upstream:\n  address: 127.0.0.1:0\n")),
              ElementsAre("t.yaml:11:12: demo_upstream.address: bad address '127.0.0.1:0': the "
                          "port must be 1-65535"));
}

TEST_F(ConfigLoaderTest, ReadsIpv6AndNamedAddresses) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: "[::]:8443"
    routes: [{cluster: web}]
clusters:
  - name: web
    endpoints:
      - address: web1.internal:80
        weight: 3
      - address: "[2001:db8::1]:443"
        priority: 2
)");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.listeners[0].address.host, "::");
  EXPECT_EQ(result.config.listeners[0].address.port, 8443);
  const auto& endpoints = result.config.clusters[0].endpoints;
  ASSERT_EQ(endpoints.size(), 2U);
  EXPECT_EQ(endpoints[0].address.host, "web1.internal");
  EXPECT_EQ(endpoints[0].weight, 3U);
  EXPECT_EQ(endpoints[1].address.toString(), "[2001:db8::1]:443");
  EXPECT_EQ(endpoints[1].priority, 2U);
}

// ---- files ------------------------------------------------------------------------------------

TEST_F(ConfigLoaderTest, ReportsMissingCertificateAndKey) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      certificates:
        - cert: tls/missing.crt
          key: /nonexistent/edge.key
    routes: [{cluster: web}]
clusters:
  - name: web
    endpoints: [{address: 127.0.0.1:9001}]
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:6:17: listeners[0].tls.certificates[0].cert: certificate '" +
                              dir_.abs("tls/missing.crt") + "': No such file or directory",
                          "t.yaml:7:16: listeners[0].tls.certificates[0].key: private key "
                          "'/nonexistent/edge.key': No such file or directory"));
}

TEST_F(ConfigLoaderTest, ReportsMissingCaAndClientCertificate) {
  dir_.write("client.crt");
  const LoadResult result = loadWith(R"(  - name: backend
    endpoints: [{address: 127.0.0.1:9443}]
    upstream_tls:
      ca: ca.crt
      cert: client.crt
      key: client.key
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:13:11: clusters[1].upstream_tls.ca: CA file '" +
                              dir_.abs("ca.crt") + "': No such file or directory",
                          "t.yaml:15:12: clusters[1].upstream_tls.key: client key '" +
                              dir_.abs("client.key") + "': No such file or directory"));
}

TEST_F(ConfigLoaderTest, ReportsClientCertificateWithoutKey) {
  dir_.write("client.crt");
  EXPECT_THAT(errors(loadWith("  - name: backend\n    endpoints: [{address: 127.0.0.1:9443}]\n"
                              "    upstream_tls:\n      cert: client.crt\n")),
              ElementsAre("t.yaml:13:13: clusters[1].upstream_tls.cert: a client certificate "
                          "needs both cert and key"));
}

TEST_F(ConfigLoaderTest, ReportsMissingListFiles) {
  const LoadResult result = loadWith(R"(inspection:
  domain_lists:
    - file: lists/domains.txt
  url_lists:
    - file: lists/urls.txt
  ip_lists:
    - file: lists/ips.txt
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:12:13: inspection.domain_lists[0].file: domain list '" +
                              dir_.abs("lists/domains.txt") + "': No such file or directory",
                          "t.yaml:14:13: inspection.url_lists[0].file: URL list '" +
                              dir_.abs("lists/urls.txt") + "': No such file or directory",
                          "t.yaml:16:13: inspection.ip_lists[0].file: IP list '" +
                              dir_.abs("lists/ips.txt") + "': No such file or directory"));
}

TEST_F(ConfigLoaderTest, ReportsDirectoryGivenAsFile) {
  dir_.write("lists/keep");
  EXPECT_THAT(errors(loadWith("inspection:\n  ip_lists:\n    - file: lists\n")),
              ElementsAre("t.yaml:12:13: inspection.ip_lists[0].file: IP list '" +
                          dir_.abs("lists") + "' is not a regular file"));
}

TEST_F(ConfigLoaderTest, ReportsRuleGlobMatchingNothing) {
  dir_.write("rules/default/readme.txt");
  const LoadResult result = loadWith("inspection:\n  rules: [rules/default/*.rules, "
                                     "rules/extra.rules]\n");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:11:11: inspection.rules[0]: 'rules/default/*.rules' matches no "
                          "rule file (looked for '" +
                              dir_.abs("rules/default/*.rules") + "')",
                          "t.yaml:11:34: inspection.rules[1]: rule file '" +
                              dir_.abs("rules/extra.rules") + "': No such file or directory"));
}

TEST_F(ConfigLoaderTest, ExpandsRuleGlobsToSortedAbsolutePathsWithoutDuplicates) {
  dir_.write("rules/b.rules");
  dir_.write("rules/a.rules");
  dir_.write("rules/c.txt");
  dir_.write("rules/sub.rules/x"); // a directory matching the glob is skipped, not loaded
  const LoadResult result = loadWith("inspection:\n  rules: [rules/*.rules, rules/a.rules, "
                                     "/" +
                                     dir_.path().substr(1) + "/rules/c.txt]\n");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_THAT(
      result.config.inspection.rules,
      ElementsAre(dir_.abs("rules/a.rules"), dir_.abs("rules/b.rules"), dir_.abs("rules/c.txt")));
}

TEST_F(ConfigLoaderTest, ResolvesRelativePathsAgainstConfigDirectory) {
  dir_.write("conf/tls/edge.crt");
  dir_.write("conf/tls/edge.key");
  dir_.write("conf/lists/ips.txt");
  const std::string path = dir_.write("conf/bulwark.yaml", R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      certificates: [{cert: tls/edge.crt, key: ./tls/../tls/edge.key}]
    routes: [{cluster: web}]
clusters:
  - name: web
    endpoints: [{address: 127.0.0.1:9001}]
inspection:
  ip_lists: [{file: lists/ips.txt}]
logging:
  access_log: logs/access.json
  alert_log: stderr
)");
  const LoadResult result = loadConfigFile(path);
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.base_dir, dir_.abs("conf"));
  const auto& certificate = result.config.listeners[0].tls->certificates[0];
  EXPECT_EQ(certificate.cert_file, dir_.abs("conf/tls/edge.crt"));
  EXPECT_EQ(certificate.key_file, dir_.abs("conf/tls/edge.key"));
  EXPECT_EQ(result.config.inspection.ip_lists[0].file, dir_.abs("conf/lists/ips.txt"));
  EXPECT_EQ(result.config.logging.access_log, dir_.abs("conf/logs/access.json"));
  EXPECT_EQ(result.config.logging.alert_log, "stderr");
}

TEST_F(ConfigLoaderTest, ReportsMissingConfigFile) {
  const LoadResult result = loadConfigFile(dir_.abs("nope.yaml"));
  EXPECT_THAT(errors(result),
              ElementsAre(dir_.abs("nope.yaml") + ": cannot open the config file: No such file or "
                                                  "directory"));
}

TEST_F(ConfigLoaderTest, NamesTheFileInErrorsFromLoadConfigFile) {
  const std::string path = dir_.write("bad.yaml", "workers: many\n");
  const LoadResult result = loadConfigFile(path);
  EXPECT_THAT(errors(result), Contains(path + ":1:10: workers: expected a whole number, got "
                                              "'many'"));
}

// ---- the small sections and robustness -------------------------------------------------------

TEST_F(ConfigLoaderTest, ReadsDrainLoggingAndDemoUpstream) {
  const LoadResult result = loadWith(R"(drain: {delay: 5s, timeout: 1m}
logging: {level: debug, access_log: "off", alert_log: /tmp/alerts.json}
demo_upstream: {address: 127.0.0.1:9180}
desync_mitigation: strictest
)");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.drain.delay, Duration(5000));
  EXPECT_EQ(result.config.drain.timeout, Duration(60'000));
  EXPECT_EQ(result.config.logging.level, "debug");
  EXPECT_EQ(result.config.logging.access_log, "off");
  EXPECT_EQ(result.config.logging.alert_log, "/tmp/alerts.json");
  ASSERT_TRUE(result.config.demo_upstream.has_value());
  EXPECT_EQ(result.config.demo_upstream->address.toString(), "127.0.0.1:9180");
  EXPECT_EQ(result.config.desync_mitigation, DesyncMode::Strictest);
}

TEST_F(ConfigLoaderTest, WarnsWhenAdminIsNotOnLoopback) {
  const LoadResult result = loadWith("admin:\n  address: 0.0.0.0:9901\n");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_THAT(result.warnings, ElementsAre(HasSubstr("t.yaml:11:12: admin.address: the admin "
                                                     "listener is not on a loopback address")));
}

TEST_F(ConfigLoaderTest, NeverThrowsOnHostileInput) {
  std::string deep(5000, '[');
  EXPECT_NO_THROW({
    EXPECT_FALSE(load(deep).ok());
    EXPECT_FALSE(load(std::string("\0\xff\xfe: \x01", 5)).ok());
    EXPECT_FALSE(load("&a [*a]").ok());
    EXPECT_FALSE(load("? [a, b]\n: c\n").ok());
    EXPECT_FALSE(load("!!binary AAAA").ok());
  });
}

TEST_F(ConfigLoaderTest, AcceptsAnchorsAndAliases) {
  const LoadResult result = load(R"(clusters:
  - name: web
    endpoints: &endpoints
      - address: 127.0.0.1:9001
  - name: web2
    endpoints: *endpoints
listeners:
  - {name: web, address: 127.0.0.1:0, routes: [{cluster: web2}]}
)");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_EQ(result.config.clusters[1].endpoints[0].address.port, 9001);
}

} // namespace
} // namespace bulwark::config
