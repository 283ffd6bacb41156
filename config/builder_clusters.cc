// Clusters: endpoints, health checks, outlier detection, upstream TLS.

#include <array>

#include "config/config_builder.h"

namespace bulwark::config {
namespace {

// The keys each section accepts. The names are a contract with operators' files: add, never
// rename.
constexpr auto kClusterKeys = std::to_array<std::string_view>(
    {"name", "lb_policy", "endpoints", "health_check", "outlier_detection", "connect_timeout",
     "upstream_tls", "max_idle_connections_per_endpoint"});
constexpr auto kEndpointKeys = std::to_array<std::string_view>({"address", "priority", "weight"});
constexpr auto kHealthCheckKeys =
    std::to_array<std::string_view>({"path", "interval", "timeout", "healthy_threshold",
                                     "unhealthy_threshold", "expected_statuses"});
constexpr auto kOutlierKeys = std::to_array<std::string_view>(
    {"consecutive_5xx", "base_ejection_time", "max_ejection_time", "max_ejection_percent"});
constexpr auto kUpstreamTlsKeys =
    std::to_array<std::string_view>({"ca", "server_name", "verify", "cert", "key"});

constexpr auto kLbPolicies =
    std::to_array<EnumName<LbPolicy>>({{"round_robin", LbPolicy::RoundRobin},
                                       {"least_request", LbPolicy::LeastRequest},
                                       {"random", LbPolicy::Random},
                                       {"ring_hash", LbPolicy::RingHash}});

} // namespace

void ConfigBuilder::readClusters(const Field& field) {
  for (const Field& item : reader_.list(field)) {
    readCluster(item);
  }
}

void ConfigBuilder::readCluster(const Field& field) {
  auto map = reader_.map(field, kClusterKeys);
  if (!map) {
    return;
  }
  Cluster cluster;
  cluster.mark = reader_.sourceMark(field.mark);
  readName(*map, "cluster", cluster_names_, cluster.name);
  if (const Field* policy = map->value("lb_policy")) {
    reader_.readEnum<LbPolicy>(*policy, cluster.lb_policy, kLbPolicies);
  }
  if (map->value("endpoints") == nullptr) {
    reader_.error(map->entry("endpoints") ? *map->entry("endpoints") : map->self(),
                  "a cluster needs at least one endpoint");
  } else {
    readEndpoints(*map->value("endpoints"), cluster.endpoints);
  }
  section(*map, "health_check", [&](const Field& f) { cluster.health_check = readHealthCheck(f); });
  section(*map, "outlier_detection",
          [&](const Field& f) { cluster.outlier_detection = readOutlierDetection(f); });
  if (const Field* timeout = map->value("connect_timeout")) {
    reader_.readDuration(*timeout, cluster.connect_timeout, false);
  }
  section(*map, "upstream_tls", [&](const Field& f) { cluster.upstream_tls = readUpstreamTls(f); });
  if (const Field* idle = map->value("max_idle_connections_per_endpoint")) {
    reader_.readUint32(*idle, cluster.max_idle_connections_per_endpoint, 0, 100000);
  }
  config_.clusters.push_back(std::move(cluster));
}

void ConfigBuilder::readEndpoints(const Field& field, std::vector<Endpoint>& out) {
  const std::vector<Field> items = reader_.list(field);
  if (items.empty() && field.value.IsSequence()) {
    reader_.error(field, "a cluster needs at least one endpoint");
  }
  for (const Field& item : items) {
    auto map = reader_.map(item, kEndpointKeys);
    if (!map) {
      continue;
    }
    Endpoint endpoint;
    if (reader_.require(*map, "address")) {
      reader_.readAddress(*map->value("address"), endpoint.address, PortRule::NonZero);
    }
    if (const Field* priority = map->value("priority")) {
      reader_.readUint32(*priority, endpoint.priority, 0, 100);
    }
    if (const Field* weight = map->value("weight")) {
      reader_.readUint32(*weight, endpoint.weight, 1, 10000);
    }
    out.push_back(std::move(endpoint));
  }
}

HealthCheck ConfigBuilder::readHealthCheck(const Field& field) {
  HealthCheck check;
  auto map = reader_.map(field, kHealthCheckKeys);
  if (!map) {
    return check;
  }
  if (const Field* path = map->value("path")) {
    readPathPrefix(*path, check.path);
  }
  if (const Field* interval = map->value("interval")) {
    reader_.readDuration(*interval, check.interval, false);
  }
  if (const Field* timeout = map->value("timeout")) {
    reader_.readDuration(*timeout, check.timeout, false);
  }
  // A threshold of 0 would mark an endpoint healthy or unhealthy without a single probe.
  if (const Field* healthy = map->value("healthy_threshold")) {
    reader_.readUint32(*healthy, check.healthy_threshold, 1, 1000);
  }
  if (const Field* unhealthy = map->value("unhealthy_threshold")) {
    reader_.readUint32(*unhealthy, check.unhealthy_threshold, 1, 1000);
  }
  if (const Field* statuses = map->value("expected_statuses")) {
    readStatuses(*statuses, check.expected_statuses);
  }
  return check;
}

void ConfigBuilder::readStatuses(const Field& field, std::vector<uint32_t>& out) {
  const std::vector<Field> items = reader_.list(field);
  if (items.empty() && field.value.IsSequence()) {
    reader_.error(field, "list at least one status");
    return;
  }
  std::vector<uint32_t> statuses;
  for (const Field& item : items) {
    uint32_t status = 0;
    if (reader_.readUint32(item, status, 100, 599)) {
      statuses.push_back(status);
    }
  }
  if (statuses.size() == items.size() && !items.empty()) {
    out = std::move(statuses);
  }
}

OutlierDetection ConfigBuilder::readOutlierDetection(const Field& field) {
  OutlierDetection outlier;
  auto map = reader_.map(field, kOutlierKeys);
  if (!map) {
    return outlier;
  }
  if (const Field* consecutive = map->value("consecutive_5xx")) {
    reader_.readUint32(*consecutive, outlier.consecutive_5xx, 1, 1000);
  }
  if (const Field* base = map->value("base_ejection_time")) {
    reader_.readDuration(*base, outlier.base_ejection_time, false);
  }
  if (const Field* max = map->value("max_ejection_time")) {
    if (reader_.readDuration(*max, outlier.max_ejection_time, false) &&
        outlier.max_ejection_time < outlier.base_ejection_time) {
      reader_.error(*max, "must not be shorter than base_ejection_time");
    }
  }
  if (const Field* percent = map->value("max_ejection_percent")) {
    reader_.readUint32(*percent, outlier.max_ejection_percent, 0, 100);
  }
  return outlier;
}

UpstreamTls ConfigBuilder::readUpstreamTls(const Field& field) {
  UpstreamTls tls;
  auto map = reader_.map(field, kUpstreamTlsKeys);
  if (!map) {
    return tls;
  }
  if (const Field* ca = map->value("ca")) {
    reader_.readFile(*ca, tls.ca, "CA file");
  }
  if (const Field* name = map->value("server_name")) {
    reader_.readString(*name, tls.server_name);
  }
  if (const Field* verify = map->value("verify")) {
    if (reader_.readBool(*verify, tls.verify) && !tls.verify) {
      reader_.warn(*verify, "upstream certificates are not verified: anyone on the path to the "
                            "web servers can read and change the traffic");
    }
  }
  const Field* cert = map->value("cert");
  const Field* key = map->value("key");
  if (cert != nullptr) {
    reader_.readFile(*cert, tls.cert, "client certificate");
  }
  if (key != nullptr) {
    reader_.readFile(*key, tls.key, "client key");
  }
  if ((cert == nullptr) != (key == nullptr)) {
    reader_.error(cert != nullptr ? *cert : *key, "a client certificate needs both cert and key");
  }
  return tls;
}

} // namespace bulwark::config
