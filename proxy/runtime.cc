#include "proxy/runtime.h"

namespace bulwark::proxy {
namespace {

Counter& listenerCounter(const std::string& name, std::string_view stat) {
  return Stats::global().counter("listener." + name + "." + std::string(stat));
}

Counter& clusterCounter(const std::string& name, std::string_view stat) {
  return Stats::global().counter("cluster." + name + "." + std::string(stat));
}

}  // namespace

ListenerStats::ListenerStats(const std::string& name)
    : cx_total(listenerCounter(name, "downstream_cx_total")),
      cx_active(Stats::global().gauge("listener." + name + ".downstream_cx_active")),
      cx_tls_handshake_error(listenerCounter(name, "downstream_cx_tls_handshake_error")),
      cx_tls_handshake_timeout(listenerCounter(name, "downstream_cx_tls_handshake_timeout")),
      rq_total(listenerCounter(name, "downstream_rq_total")),
      rq_1xx(listenerCounter(name, "downstream_rq_1xx")),
      rq_2xx(listenerCounter(name, "downstream_rq_2xx")),
      rq_3xx(listenerCounter(name, "downstream_rq_3xx")),
      rq_4xx(listenerCounter(name, "downstream_rq_4xx")),
      rq_5xx(listenerCounter(name, "downstream_rq_5xx")),
      rq_malformed(listenerCounter(name, "downstream_rq_malformed")),
      rq_bad_path(listenerCounter(name, "downstream_rq_bad_path")),
      rq_header_timeout(listenerCounter(name, "downstream_rq_header_timeout")),
      rq_body_too_large(listenerCounter(name, "downstream_rq_body_too_large")),
      rq_header_too_large(listenerCounter(name, "downstream_rq_header_too_large")),
      rq_no_route(listenerCounter(name, "downstream_rq_no_route")),
      rq_redirected(listenerCounter(name, "downstream_rq_redirected")),
      rq_upstream_failed(listenerCounter(name, "downstream_rq_upstream_failed")),
      rq_upstream_timeout(listenerCounter(name, "downstream_rq_upstream_timeout")) {}

ClusterStats::ClusterStats(const std::string& name)
    : upstream_cx_total(clusterCounter(name, "upstream_cx_total")),
      upstream_cx_connect_fail(clusterCounter(name, "upstream_cx_connect_fail")),
      upstream_cx_connect_timeout(clusterCounter(name, "upstream_cx_connect_timeout")),
      upstream_cx_tls_error(clusterCounter(name, "upstream_cx_tls_error")),
      upstream_cx_reused(clusterCounter(name, "upstream_cx_reused")),
      upstream_cx_stale_retry(clusterCounter(name, "upstream_cx_stale_retry")),
      upstream_rq_total(clusterCounter(name, "upstream_rq_total")),
      upstream_rq_timeout(clusterCounter(name, "upstream_rq_timeout")),
      upstream_rq_5xx(clusterCounter(name, "upstream_rq_5xx")),
      upstream_rq_reset(clusterCounter(name, "upstream_rq_reset")) {}

const ClusterRuntime* Runtime::findCluster(std::string_view name) const noexcept {
  for (const auto& cluster : clusters) {
    if (cluster->config.name == name) {
      return cluster.get();
    }
  }
  return nullptr;
}

}  // namespace bulwark::proxy
