#pragma once

#include <functional>

#include "proxy/simple_server.h"
#include "proxy/worker.h"

namespace bulwark::proxy {

// The admin API on the admin listener (loopback by default):
//   GET /ready    200 while serving, 503 once draining (what a layer-4 balancer polls)
//   GET /healthz  200 while the process runs
//   GET /stats    every counter and gauge as Prometheus text; ?format=json for a JSON object
// Anything else is 404; a method other than GET or HEAD on these is 405.
SimpleHandler makeAdminHandler(const GatewayState& state);

// The built-in demo upstream of the embedded default config: an HTML page that shows what the
// proxy forwarded (method, path, client address as X-Forwarded-For), and /healthz.
SimpleHandler makeDemoHandler();

}  // namespace bulwark::proxy
