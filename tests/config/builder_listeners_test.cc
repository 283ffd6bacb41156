// Listeners, TLS, routes and tenants (config/builder_listeners.cc), through the loader.

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

// ---- names and references ---------------------------------------------------------------------

TEST_F(ConfigLoaderTest, ReportsDuplicateNames) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:8001
    routes: [{tenant: t}]
  - name: web
    address: 127.0.0.1:8002
    routes: [{cluster: c}]
tenants:
  - {name: t, path_prefix: /a/, cluster: c}
  - {name: t, path_prefix: /b/, cluster: c}
clusters:
  - {name: c, endpoints: [{address: 127.0.0.1:9001}]}
  - {name: c, endpoints: [{address: 127.0.0.1:9002}]}
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:5:11: listeners[1].name: duplicate listener name 'web' (first "
                          "defined on line 2)",
                          "t.yaml:10:12: tenants[1].name: duplicate tenant name 't' (first "
                          "defined on line 9)",
                          "t.yaml:13:12: clusters[1].name: duplicate cluster name 'c' (first "
                          "defined on line 12)"));
}

TEST_F(ConfigLoaderTest, ReportsBadName) {
  EXPECT_THAT(errors(loadWith("  - name: a.b\n    endpoints: [{address: 127.0.0.1:9001}]\n")),
              ElementsAre(HasSubstr("t.yaml:10:11: clusters[1].name: bad cluster name 'a.b'")));
}

TEST_F(ConfigLoaderTest, ReportsDuplicateListenerAddresses) {
  const LoadResult result = load(R"(admin:
  address: 127.0.0.1:9901
listeners:
  - name: a
    address: 127.0.0.1:8080
    routes: [{cluster: web}]
  - name: b
    address: 127.0.0.1:8080
    routes: [{cluster: web}]
  - name: c
    address: 127.0.0.1:9901
    routes: [{cluster: web}]
  - name: d
    address: 127.0.0.1:0
    routes: [{cluster: web}]
  - name: e
    address: 127.0.0.1:0
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:8:14: listeners[1].address: address 127.0.0.1:8080 is already "
                          "used by listener 'a'",
                          "t.yaml:11:14: listeners[2].address: address 127.0.0.1:9901 is already "
                          "used by the admin listener"));
}

TEST_F(ConfigLoaderTest, ReportsUnknownClusterWithSuggestion) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes: [{cluster: wbe}]
tenants:
  - {name: t, hosts: [t.example], cluster: nothing-like-it}
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:4:24: listeners[0].routes[0].cluster: unknown cluster 'wbe'; "
                          "did you mean 'web'?",
                          "t.yaml:6:44: tenants[0].cluster: unknown cluster 'nothing-like-it'"));
}

TEST_F(ConfigLoaderTest, ReportsRouteToUnknownTenant) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes: [{tenant: ghost}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:4:23: listeners[0].routes[0].tenant: unknown tenant 'ghost'"));
}

TEST_F(ConfigLoaderTest, ReportsRouteWithNeitherTenantNorCluster) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes:
      - path_prefix: /x/
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:5:9: listeners[0].routes[0]: a route needs a tenant or a "
                          "cluster"));
}

TEST_F(ConfigLoaderTest, ReportsTenantRouteThatAlsoSetsCluster) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes:
      - tenant: t
        cluster: web
tenants:
  - {name: t, path_prefix: /client/t/, cluster: web}
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:6:18: listeners[0].routes[0].cluster: a tenant route takes its "
                          "cluster from the tenant; remove it here"));
}

TEST_F(ConfigLoaderTest, LowerCasesHostsAndChecksPathPrefixes) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes:
      - tenant: t
      - hosts: [WWW.Example.COM.]
        path_prefix: /Static/
        cluster: web
tenants:
  - {name: t, path_prefix: /client/t/, hosts: [Demo.Example.com], cluster: web}
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)");
  ASSERT_THAT(errors(result), IsEmpty());
  EXPECT_THAT(result.config.tenants[0].hosts, ElementsAre("demo.example.com"));
  const Route& route = result.config.listeners[0].routes[1];
  EXPECT_THAT(route.hosts, ElementsAre("www.example.com"));
  EXPECT_EQ(route.path_prefix, "/Static/");
  EXPECT_EQ(route.cluster, "web");
}

TEST_F(ConfigLoaderTest, ReportsPathPrefixWithoutLeadingSlashAndBadHost) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes: [{tenant: t}]
tenants:
  - name: t
    path_prefix: client/t/
    hosts: ["bad host"]
    cluster: web
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)");
  EXPECT_THAT(errors(result),
              ElementsAre("t.yaml:7:18: tenants[0].path_prefix: must start with '/', got "
                          "'client/t/'",
                          "t.yaml:8:13: tenants[0].hosts[0]: bad host name 'bad host'"));
}

TEST_F(ConfigLoaderTest, ReportsTenantWithoutPrefixOrHosts) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes: [{tenant: t}]
tenants:
  - name: t
    cluster: web
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:6:5: tenants[0]: a tenant needs a path_prefix, hosts, or both"));
}

// ---- listeners --------------------------------------------------------------------------------

TEST_F(ConfigLoaderTest, ReportsListenerWithNeitherRoutesNorRedirect) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
)")),
              ElementsAre("t.yaml:2:5: listeners[0]: listener has neither routes nor "
                          "redirect_to_https"));
}

TEST_F(ConfigLoaderTest, ReportsTlsListenerThatRedirects) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls: {self_signed: true}
    redirect_to_https: 8443
)")),
              ElementsAre("t.yaml:5:24: listeners[0].redirect_to_https: a TLS listener cannot "
                          "redirect to https; remove tls or redirect_to_https"));
}

TEST_F(ConfigLoaderTest, ReportsRedirectListenerWithRoutes) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: http
    address: 127.0.0.1:8080
    redirect_to_https: 8443
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:5:13: listeners[0].routes: a listener with redirect_to_https "
                          "routes nothing; remove routes"));
}

TEST_F(ConfigLoaderTest, ReportsBadRedirectPort) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: http
    address: 127.0.0.1:8080
    redirect_to_https: 70000
)")),
              ElementsAre("t.yaml:4:24: listeners[0].redirect_to_https: must be 1-65535, got "
                          "70000"));
}

TEST_F(ConfigLoaderTest, ReportsEmptyListenerList) {
  EXPECT_THAT(errors(load("listeners: []\n")),
              ElementsAre("t.yaml:1:12: listeners: no listeners: at least one listener is "
                          "required"));
}

TEST_F(ConfigLoaderTest, ReportsTlsWithoutCertificates) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      policy: tls13
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:5:7: listeners[0].tls: tls needs certificates, or self_signed: "
                          "true"));
}

TEST_F(ConfigLoaderTest, ReportsEmptyTlsSection) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:4:5: listeners[0].tls: tls needs certificates, or self_signed: "
                          "true"));
}

TEST_F(ConfigLoaderTest, ReportsEmptyCertificateList) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      certificates: []
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:5:21: listeners[0].tls.certificates: tls needs certificates, "
                          "or self_signed: true"));
}

TEST_F(ConfigLoaderTest, ReportsSelfSignedBesideCertificates) {
  dir_.write("a.crt");
  dir_.write("a.key");
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      certificates: [{cert: a.crt, key: a.key}]
      self_signed: true
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:6:20: listeners[0].tls.self_signed: self_signed: true and "
                          "certificates are exclusive"));
}

TEST_F(ConfigLoaderTest, ReportsCustomTlsFieldsWithoutCustomPolicy) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      self_signed: true
      ciphers: ECDHE-RSA-AES128-GCM-SHA256
      min_version: "1.3"
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:6:16: listeners[0].tls.ciphers: only allowed with policy: "
                          "custom",
                          "t.yaml:7:20: listeners[0].tls.min_version: only allowed with policy: "
                          "custom"));
}

TEST_F(ConfigLoaderTest, ReadsCustomTlsPolicy) {
  const LoadResult result = load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls:
      min_version: 1.2
      policy: custom
      self_signed: yes
      ciphers: ECDHE-ECDSA-AES128-GCM-SHA256
      ciphersuites: TLS_AES_128_GCM_SHA256
      groups: X25519:P-256
      session_ticket_rotation: 6h
      handshake_timeout: 5s
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)");
  ASSERT_THAT(errors(result), IsEmpty());
  const ListenerTls& tls = *result.config.listeners[0].tls;
  EXPECT_EQ(tls.policy, TlsPolicy::Custom);
  EXPECT_TRUE(tls.self_signed);
  EXPECT_EQ(tls.min_version, "1.2");
  EXPECT_EQ(tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(tls.ciphersuites, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(tls.groups, "X25519:P-256");
  EXPECT_EQ(tls.session_ticket_rotation, Duration(6 * 3'600'000));
  EXPECT_EQ(tls.handshake_timeout, Duration(5000));
}

TEST_F(ConfigLoaderTest, ReportsBadTlsMinVersion) {
  EXPECT_THAT(errors(load(R"(listeners:
  - name: web
    address: 127.0.0.1:0
    tls: {policy: custom, self_signed: true, min_version: "1.1"}
    routes: [{cluster: web}]
clusters:
  - {name: web, endpoints: [{address: 127.0.0.1:9001}]}
)")),
              ElementsAre("t.yaml:4:59: listeners[0].tls.min_version: unknown value '1.1'; "
                          "allowed: 1.2, 1.3; did you mean '1.2'?"));
}

} // namespace
} // namespace bulwark::config
