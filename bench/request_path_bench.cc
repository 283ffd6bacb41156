// Micro-benchmarks of the per-request work in front of the upstream: path normalisation,
// routing, and rewriting the header for the upstream.
#include <benchmark/benchmark.h>
#include <boost/beast/http/fields.hpp>

#include "config/config.h"
#include "proxy/headers.h"
#include "proxy/router.h"
#include "rules/normalize.h"

namespace {

using namespace bulwark;

config::Config tenantConfig() {
  config::Config config;
  for (const char* name : {"alpha", "beta", "gamma", "demo"}) {
    config::Tenant tenant;
    tenant.name = name;
    tenant.path_prefix = std::string("/client/") + name + "/";
    tenant.cluster = "web";
    config.tenants.push_back(tenant);
  }
  config::Cluster cluster;
  cluster.name = "web";
  config.clusters.push_back(cluster);
  return config;
}

config::Listener tenantListener(const config::Config& config) {
  config::Listener listener;
  listener.name = "https";
  for (const auto& tenant : config.tenants) {
    config::Route route;
    route.tenant = tenant.name;
    listener.routes.push_back(route);
  }
  config::Route fallback;
  fallback.path_prefix = "/";
  fallback.cluster = "web";
  listener.routes.push_back(fallback);
  return listener;
}

void BM_NormalizeTypicalPath(benchmark::State& state) {
  rules::NormalizedPath out;
  for (auto _ : state) {
    auto verdict = rules::normalizePath("/client/demo/main/reports/Monthly%20Summary.asp", out);
    benchmark::DoNotOptimize(verdict);
    benchmark::DoNotOptimize(out.path.data());
  }
}
BENCHMARK(BM_NormalizeTypicalPath);

void BM_NormalizeHostileEncodedPath(benchmark::State& state) {
  rules::NormalizedPath out;
  for (auto _ : state) {
    auto verdict = rules::normalizePath(
        "/client/demo/%2e%2e/%u002e%u002e\\other//./a/b/../c%2fd%5Ce/login.asp", out);
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_NormalizeHostileEncodedPath);

void BM_RouteTenantPath(benchmark::State& state) {
  const auto config = tenantConfig();
  const proxy::Router router(tenantListener(config), config);
  for (auto _ : state) {
    benchmark::DoNotOptimize(router.match("www.example.com", "/client/demo/main/login.asp"));
  }
}
BENCHMARK(BM_RouteTenantPath);

void BM_CopyRequestHeaders(benchmark::State& state) {
  boost::beast::http::fields in;
  in.set("Host", "demo.example.com");
  in.set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36");
  in.set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  in.set("Accept-Language", "en-GB,en;q=0.9");
  in.set("Accept-Encoding", "gzip, deflate, br");
  in.set("Cookie", "ASPSESSIONIDQADRCTAB=KLMNOPQRSTUVWX; theme=dark");
  in.set("Connection", "keep-alive");
  for (auto _ : state) {
    boost::beast::http::fields out;
    proxy::copyRequestHeaders(in, out, {"198.51.100.7", "https", 8443});
    benchmark::DoNotOptimize(out.begin());
  }
}
BENCHMARK(BM_CopyRequestHeaders);

}  // namespace
