#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace bulwark::proxy {

// Where a request goes: the tenant it belongs to (empty for a plain route) and the cluster.
struct RouteTarget {
  std::string tenant;
  std::string cluster;
};

// The routes of one listener, compiled from the config. Immutable after construction; shared by
// all workers.
//
// Routes are tried in order; the first match wins. A tenant route matches when the host is one
// of the tenant's `hosts` or the path is under the tenant's `path_prefix`; a plain route matches
// when every condition it sets holds (`hosts`, `path_prefix`). Prefixes are segment-exact
// (`/client/demo/` matches `/client/demo` and `/client/demo/x`, never `/client/demo2`) and
// compared without regard to case, as IIS does. A tenant route sends to the tenant's cluster
// (the route's `cluster` only when the tenant names none); a tenant route naming an unknown
// tenant, or a tenant with neither hosts nor prefix, matches nothing.
class Router {
public:
  Router(const config::Listener& listener, const config::Config& config);

  // `host` normalised by rules::normalizeHost, `path` by rules::normalizePath. nullptr: no route.
  // Any thread; does not allocate.
  const RouteTarget* match(std::string_view host, std::string_view path) const noexcept;

private:
  struct CompiledRoute {
    RouteTarget target;
    std::string prefix;  // lower-case, without trailing '/'; empty: any path
    bool any_path = true;
    std::vector<std::string> hosts;  // lower-case; empty: any host
    bool host_or_prefix = false;     // tenant routes: host OR prefix; plain routes: AND
  };

  std::vector<CompiledRoute> routes_;
};

// True when `path` is `prefix` or lies under it, segment-exact and case-insensitive. `prefix` is
// lower-case without a trailing '/'; the empty prefix (from "/") contains every path.
bool pathUnderPrefix(std::string_view path, std::string_view prefix) noexcept;

}  // namespace bulwark::proxy
