#include "proxy/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/normalize.h"

namespace bulwark::proxy {
namespace {

class RouterTest : public testing::Test {
protected:
  void addTenant(const std::string& name, std::string prefix,
                 std::vector<std::string> hosts = {}) {
    config::Tenant tenant;
    tenant.name = name;
    tenant.path_prefix = std::move(prefix);
    tenant.hosts = std::move(hosts);
    tenant.cluster = name + "-web";
    config_.tenants.push_back(std::move(tenant));
  }

  void routeTenant(std::string tenant) {
    config::Route route;
    route.tenant = std::move(tenant);
    listener_.routes.push_back(std::move(route));
  }

  void routePlain(std::string prefix, std::vector<std::string> hosts, std::string cluster) {
    config::Route route;
    route.path_prefix = std::move(prefix);
    route.hosts = std::move(hosts);
    route.cluster = std::move(cluster);
    listener_.routes.push_back(std::move(route));
  }

  // The tenant (or "cluster:<name>" for a plain route) that `host` + `path` go to; "none" when
  // no route matches.
  std::string destination(std::string_view host, std::string_view path) const {
    const Router router(listener_, config_);
    const RouteTarget* target = router.match(host, path);
    if (target == nullptr) {
      return "none";
    }
    return target->tenant.empty() ? "cluster:" + target->cluster : target->tenant;
  }

  // Two path tenants that also have hosts, and a catch-all plain route behind them.
  void addTwoTenantsAndWeb() {
    addTenant("demo", "/client/demo/", {"demo.example.com"});
    addTenant("other", "/client/other/", {"other.example.com"});
    routeTenant("demo");
    routeTenant("other");
    routePlain("/", {}, "web");
  }

  // End to end, as the session does it: normalise, then route. "refused" when normalisation
  // refuses the request (a verdict, or an anomaly answered 400), else where it goes.
  std::string normaliseAndRoute(std::string_view raw_host, std::string_view raw_path) const {
    rules::NormalizedPath path;
    if (rules::normalizePath(raw_path, path) != rules::PathVerdict::Ok ||
        (path.anomalies & rules::kRejectedAnomalies) != 0) {
      return "refused";
    }
    const std::string host = rules::normalizeHost(raw_host);
    if (host.empty()) {
      return "refused";
    }
    std::string where = destination(host, path.path);

    // The server decodes the forwarded form once: it must see the path that was routed.
    rules::NormalizedPath upstream;
    EXPECT_EQ(rules::normalizePath(rules::encodePathForUpstream(path.path), upstream),
              rules::PathVerdict::Ok);
    EXPECT_EQ(upstream.path, path.path);
    EXPECT_EQ(destination(host, upstream.path), where);
    return where;
  }

  // Whose prefix `raw_path` is under once normalised, worked out without the router.
  static std::string ownerOf(std::string_view raw_path) {
    rules::NormalizedPath path;
    EXPECT_EQ(rules::normalizePath(raw_path, path), rules::PathVerdict::Ok);
    for (const char* tenant : {"demo", "other"}) {
      if (pathUnderPrefix(path.path, std::string("/client/") + tenant)) {
        return tenant;
      }
    }
    return "cluster:web";
  }

  config::Config config_;
  config::Listener listener_;
};

TEST_F(RouterTest, PrefixesAreSegmentExactAndIgnoreCase) {
  addTenant("demo", "/client/demo/");
  addTenant("demo2", "/client/demo2/");
  routeTenant("demo");
  routeTenant("demo2");

  EXPECT_EQ(destination("gw.example.com", "/client/demo"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo/"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo/x"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/CLIENT/Demo/x"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo2"), "demo2");
  EXPECT_EQ(destination("gw.example.com", "/client/demo2/main/login.asp"), "demo2");
  EXPECT_EQ(destination("gw.example.com", "/client/demo3/x"), "none");
  EXPECT_EQ(destination("gw.example.com", "/client"), "none");
  EXPECT_EQ(destination("gw.example.com", "/client/dem"), "none");
}

TEST_F(RouterTest, PrefixWrittenWithoutTrailingSlashOrInUpperCaseIsTheSame) {
  addTenant("demo", "/Client/Demo");
  routeTenant("demo");

  EXPECT_EQ(destination("gw.example.com", "/client/demo/x"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo2"), "none");
}

TEST_F(RouterTest, PathUnderPrefixIsSegmentExact) {
  EXPECT_TRUE(pathUnderPrefix("/client/demo", "/client/demo"));
  EXPECT_TRUE(pathUnderPrefix("/client/demo/", "/client/demo"));
  EXPECT_TRUE(pathUnderPrefix("/CLIENT/Demo/x", "/client/demo"));
  EXPECT_FALSE(pathUnderPrefix("/client/demo2", "/client/demo"));
  EXPECT_FALSE(pathUnderPrefix("/client/dem", "/client/demo"));
  EXPECT_FALSE(pathUnderPrefix("/client/demo", "/client/demo/x"));
  EXPECT_TRUE(pathUnderPrefix("/", ""));
  EXPECT_TRUE(pathUnderPrefix("/anything/at/all", ""));
}

TEST_F(RouterTest, TenantIsReachedByItsHosts) {
  addTenant("demo", "", {"demo.example.com"});
  routeTenant("demo");

  EXPECT_EQ(destination("demo.example.com", "/main/login.asp"), "demo");
  EXPECT_EQ(destination("other.example.com", "/main/login.asp"), "none");
  EXPECT_EQ(destination("demo.example.com.evil", "/"), "none");
}

TEST_F(RouterTest, TenantMatchesOnHostOrPrefix) {
  addTenant("demo", "/client/demo/", {"demo.example.com"});
  routeTenant("demo");

  EXPECT_EQ(destination("demo.example.com", "/main/login.asp"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo/main/login.asp"), "demo");
  EXPECT_EQ(destination("demo.example.com", "/client/demo/x"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/other/x"), "none");
}

TEST_F(RouterTest, TenantWithNeitherHostsNorPrefixMatchesNothing) {
  addTenant("demo", "");
  routeTenant("demo");

  EXPECT_EQ(destination("demo.example.com", "/"), "none");
}

TEST_F(RouterTest, UnknownTenantMatchesNothing) {
  routeTenant("ghost");
  routePlain("/", {}, "web");

  EXPECT_EQ(destination("gw.example.com", "/client/ghost/x"), "cluster:web");
}

TEST_F(RouterTest, TargetNamesTheTenantAndItsCluster) {
  addTenant("demo", "/client/demo/");
  routeTenant("demo");
  routePlain("/", {}, "web");
  const Router router(listener_, config_);

  const RouteTarget* tenant = router.match("gw.example.com", "/client/demo/x");
  ASSERT_NE(tenant, nullptr);
  EXPECT_EQ(tenant->tenant, "demo");
  EXPECT_EQ(tenant->cluster, "demo-web");

  const RouteTarget* plain = router.match("gw.example.com", "/x");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(plain->tenant, "");
  EXPECT_EQ(plain->cluster, "web");
}

TEST_F(RouterTest, RootPrefixMatchesEveryPath) {
  routePlain("/", {}, "web");

  EXPECT_EQ(destination("gw.example.com", "/"), "cluster:web");
  EXPECT_EQ(destination("gw.example.com", "/x"), "cluster:web");
  EXPECT_EQ(destination("gw.example.com", "/client/demo/main/login.asp"), "cluster:web");
}

TEST_F(RouterTest, PlainRouteNeedsEveryConditionItSets) {
  routePlain("/api/", {"api.example.com"}, "api");
  routePlain("/static", {}, "static");
  routePlain("", {"www.example.com"}, "www");

  EXPECT_EQ(destination("api.example.com", "/api/v1/orders"), "cluster:api");
  EXPECT_EQ(destination("www.example.com", "/api/v1/orders"), "cluster:www");
  EXPECT_EQ(destination("other.example.com", "/api/v1/orders"), "none");
  EXPECT_EQ(destination("api.example.com", "/apix"), "none");
  EXPECT_EQ(destination("other.example.com", "/Static/site.css"), "cluster:static");
  EXPECT_EQ(destination("www.example.com", "/anything"), "cluster:www");
}

TEST_F(RouterTest, ConfigHostsAreNormalisedLikeRequestHosts) {
  routePlain("", {"API.Example.com."}, "api");

  EXPECT_EQ(destination("api.example.com", "/"), "cluster:api");
  EXPECT_EQ(destination("API.EXAMPLE.COM", "/"), "cluster:api");
}

TEST_F(RouterTest, InvalidConfigHostDoesNotWidenTheRoute) {
  routePlain("", {"bad host"}, "api");

  EXPECT_EQ(destination("api.example.com", "/"), "none");
}

TEST_F(RouterTest, FirstMatchingRouteWins) {
  addTenant("demo", "/client/demo/", {"demo.example.com"});
  routeTenant("demo");
  routePlain("/", {}, "web");

  EXPECT_EQ(destination("gw.example.com", "/client/demo/x"), "demo");
  EXPECT_EQ(destination("demo.example.com", "/x"), "demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo2/x"), "cluster:web");

  listener_.routes.clear();
  routePlain("/", {}, "web");
  routeTenant("demo");
  EXPECT_EQ(destination("gw.example.com", "/client/demo/x"), "cluster:web");
}

TEST_F(RouterTest, NoRouteGivesNullptr) {
  addTenant("demo", "/client/demo/");
  routeTenant("demo");
  const Router router(listener_, config_);

  EXPECT_EQ(router.match("gw.example.com", "/client/other/x"), nullptr);
  EXPECT_EQ(router.match("", "/"), nullptr);

  const Router empty(config::Listener{}, config_);
  EXPECT_EQ(empty.match("gw.example.com", "/"), nullptr);
}

// An encoded traversal out of one tenant's prefix is either refused or lands on the tenant whose
// prefix the normalised path is really under, and the web server reads that same path.
TEST_F(RouterTest, EncodedTraversalNeverLandsOnTheWrongTenant) {
  addTwoTenantsAndWeb();
  const std::vector<std::string_view> attempts = {
      "/client/demo/..%2fother/",
      "/client/demo/%2e%2e/other/",
      "//client/other",
      "/client/demo/..\\other\\",
      "/client/demo/%u002e%u002e/other/",
      "/client/demo/%2E%2e%5Cother%5C",
      "/client/demo/.%2e/.%2e/other/x.asp",
      "/client/demo/%c0%ae%c0%ae/other/",
      "/client/demo/%252e%252e/other/",
      "/client/demo/../../../other/",
      "/client/demo/%u002e%u002e%u002f%u002e%u002e%u002f%u002e%u002e/",
      "/CLIENT/DEMO/..%2F..%2Fclient%2Fother/",
      "/client/demo%00/../other/",
  };
  for (const std::string_view raw : attempts) {
    SCOPED_TRACE(raw);
    const std::string where = normaliseAndRoute("gw.example.com", raw);
    if (where != "refused") {
      EXPECT_EQ(where, ownerOf(raw));
    }
  }
}

TEST_F(RouterTest, TraversalOutOfDemoReachesOtherOnlyAsOther) {
  addTwoTenantsAndWeb();
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/..%2fother/"), "other");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/%2e%2e/other/"), "other");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "//client/other"), "other");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/..\\other\\"), "other");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/%u002e%u002e/other/"), "other");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/../../../other/"), "refused");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/%c0%ae%c0%ae/other/"), "refused");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/client/demo/%252e%252e/other/"), "refused");
}

TEST_F(RouterTest, HostVariantsReachTheSameTenant) {
  addTwoTenantsAndWeb();
  EXPECT_EQ(normaliseAndRoute("DEMO.Example.com.:8443", "/main/login.asp"), "demo");
  EXPECT_EQ(normaliseAndRoute(" other.example.com", "/main/login.asp"), "other");
  EXPECT_EQ(normaliseAndRoute("demo.example.com, other.example.com", "/"), "refused");
  EXPECT_EQ(normaliseAndRoute("gw.example.com", "/Client/Demo/Main/Login.asp"), "demo");
}

}  // namespace
}  // namespace bulwark::proxy
