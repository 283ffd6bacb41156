#pragma once

#include <functional>

#include "proxy/simple_server.h"
#include "proxy/worker.h"

namespace bulwark::proxy {

// The admin API on the admin listener (loopback by default):
//   GET /ready    200 while serving, 503 once draining (what a layer-4 balancer polls)
//   GET /healthz  200 while the process runs
//   GET /stats    every counter and gauge as Prometheus text; ?format=json for a JSON object
//   GET /rules    the running rule set: version, hash, counts, what did not load, last reload
//   POST /rules/reload  loads the rule files again; 200 with the new set's summary, or 500 with
//                 the errors (the running set stays)
// Anything else is 404; a method other than the one listed is 405 (mutations only by POST).
struct AdminActions {
  std::function<std::string()> rules_json;
  std::function<std::pair<unsigned, std::string>()> reload_rules;  // status, JSON body
};
SimpleHandler makeAdminHandler(const GatewayState& state, AdminActions actions);

// The built-in demo upstream of the embedded default config: an HTML page that shows what the
// proxy forwarded (method, path, client address as X-Forwarded-For), and /healthz.
SimpleHandler makeDemoHandler();

}  // namespace bulwark::proxy
