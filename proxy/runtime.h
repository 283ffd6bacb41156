#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/line_sink.h"
#include "common/stats.h"
#include "config/config.h"
#include "filters/inspection.h"
#include "proxy/router.h"
#include "rules/rule_set.h"
#include "tls/client_context.h"
#include "tls/server_context.h"

namespace bulwark::proxy {

// The counters of one listener, registered once at start (`listener.<name>.*`).
struct ListenerStats {
  explicit ListenerStats(const std::string& name);

  Counter& cx_total;
  Gauge& cx_active;
  Counter& cx_tls_handshake_error;
  Counter& cx_tls_handshake_timeout;
  Counter& rq_total;
  Counter& rq_1xx;
  Counter& rq_2xx;
  Counter& rq_3xx;
  Counter& rq_4xx;
  Counter& rq_5xx;
  Counter& rq_malformed;          // 400: unparsable request
  Counter& rq_bad_path;           // 400: path that cannot be normalised safely
  Counter& rq_header_timeout;     // 408
  Counter& rq_body_too_large;     // 413
  Counter& rq_header_too_large;   // 431
  Counter& rq_no_route;           // 404
  Counter& rq_redirected;         // 308 to https
  Counter& rq_upstream_failed;    // 502 / 503
  Counter& rq_upstream_timeout;   // 504
};

// The counters of one cluster (`cluster.<name>.*`).
struct ClusterStats {
  explicit ClusterStats(const std::string& name);

  Counter& upstream_cx_total;
  Counter& upstream_cx_connect_fail;
  Counter& upstream_cx_connect_timeout;
  Counter& upstream_cx_tls_error;
  Counter& upstream_cx_reused;
  Counter& upstream_cx_stale_retry;
  Counter& upstream_rq_total;
  Counter& upstream_rq_timeout;
  Counter& upstream_rq_5xx;
  Counter& upstream_rq_reset;
};

// A listener as the workers see it: immutable after the gateway builds it.
struct ListenerRuntime {
  config::Listener config;
  std::shared_ptr<tls::ServerContext> tls;  // null on clear-text listeners
  Router router;
  ListenerStats stats;
  boost::asio::ip::tcp::endpoint bound;  // the address actually bound (port 0 resolved)

  ListenerRuntime(const config::Listener& listener, const config::Config& config)
      : config(listener), router(listener, config), stats(listener.name) {}
};

// A cluster as the workers see it: immutable after the gateway builds it. Each worker keeps its
// own connection pools beside it (see UpstreamPool).
struct ClusterRuntime {
  config::Cluster config;
  std::vector<boost::asio::ip::tcp::endpoint> addresses;  // one per config endpoint, resolved
  std::shared_ptr<tls::ClientContext> tls;                 // null: clear text to the upstream
  ClusterStats stats;
  size_t index = 0;  // position in Runtime::clusters

  explicit ClusterRuntime(const config::Cluster& cluster) : config(cluster), stats(cluster.name) {}
};

// Everything the workers share, built from one config and never changed afterwards.
struct Runtime {
  config::Config config;
  std::vector<std::unique_ptr<ListenerRuntime>> listeners;
  std::vector<std::unique_ptr<ClusterRuntime>> clusters;
  // The rule set loaded at start. Workers each hold the current one; a reload posts a newer one.
  std::shared_ptr<const rules::RuleSet> rule_set;
  std::shared_ptr<LineSink> alert_log;  // EVE alert lines; a disabled sink when off
  filters::InspectionStats inspection_stats;

  const ClusterRuntime* findCluster(std::string_view name) const noexcept;
};

}  // namespace bulwark::proxy
