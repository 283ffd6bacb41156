#include "proxy/router.h"

#include "common/strings.h"
#include "rules/normalize.h"

namespace bulwark::proxy {
namespace {

// `/client/demo/` and `/Client/Demo` both become `/client/demo`; `/` becomes the empty prefix,
// which contains every path. Requests are compared after normalisation, so the prefix is only
// lower-cased here, never decoded.
std::string compilePrefix(std::string_view prefix) {
  std::string out = toLowerAscii(prefix);
  while (!out.empty() && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

// Config hosts are compared with hosts that went through rules::normalizeHost, so they get the
// same treatment. One that does not normalise is kept lower-cased as written: it then matches
// nothing, where dropping it could leave an empty list that matches every host.
std::vector<std::string> compileHosts(const std::vector<std::string>& hosts) {
  std::vector<std::string> out;
  out.reserve(hosts.size());
  for (const auto& host : hosts) {
    std::string normalized = rules::normalizeHost(host);
    out.push_back(normalized.empty() ? toLowerAscii(host) : std::move(normalized));
  }
  return out;
}

bool hostListed(const std::vector<std::string>& hosts, std::string_view host) noexcept {
  for (const auto& listed : hosts) {
    if (iequals(listed, host)) {
      return true;
    }
  }
  return false;
}

}  // namespace

Router::Router(const config::Listener& listener, const config::Config& config) {
  routes_.reserve(listener.routes.size());
  for (const auto& route : listener.routes) {
    CompiledRoute compiled;
    if (route.tenant.empty()) {
      compiled.target = {"", route.cluster};
      compiled.any_path = route.path_prefix.empty();
      compiled.prefix = compilePrefix(route.path_prefix);
      compiled.hosts = compileHosts(route.hosts);
      routes_.push_back(std::move(compiled));
      continue;
    }

    // The loader refuses a route naming an unknown tenant; should one get here anyway it is
    // left out, which fails closed (its requests find no route) instead of open.
    const config::Tenant* tenant = config.findTenant(route.tenant);
    if (tenant == nullptr) {
      continue;
    }
    compiled.target = {tenant->name, tenant->cluster.empty() ? route.cluster : tenant->cluster};
    compiled.any_path = tenant->path_prefix.empty();
    compiled.prefix = compilePrefix(tenant->path_prefix);
    compiled.hosts = compileHosts(tenant->hosts);
    compiled.host_or_prefix = true;
    routes_.push_back(std::move(compiled));
  }
}

const RouteTarget* Router::match(std::string_view host, std::string_view path) const noexcept {
  for (const auto& route : routes_) {
    if (route.host_or_prefix) {
      // A tenant is reached by either of its names. A condition the tenant does not set
      // contributes nothing, so a tenant with neither hosts nor prefix is never matched.
      const bool by_host = !route.hosts.empty() && hostListed(route.hosts, host);
      const bool by_path = !route.any_path && pathUnderPrefix(path, route.prefix);
      if (by_host || by_path) {
        return &route.target;
      }
      continue;
    }
    const bool host_ok = route.hosts.empty() || hostListed(route.hosts, host);
    const bool path_ok = route.any_path || pathUnderPrefix(path, route.prefix);
    if (host_ok && path_ok) {
      return &route.target;
    }
  }
  return nullptr;
}

bool pathUnderPrefix(std::string_view path, std::string_view prefix) noexcept {
  if (prefix.empty()) {
    return true;
  }
  // Segment-exact: after the prefix comes the end of the path or a '/', so `/client/demo`
  // never claims `/client/demo2`. IIS ignores case, so neither do we.
  if (!istartsWith(path, prefix)) {
    return false;
  }
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace bulwark::proxy
