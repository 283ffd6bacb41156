#include "config/config.h"

namespace bulwark::config {

std::string Address::toString() const {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

const Cluster* Config::findCluster(std::string_view name) const {
  for (const auto& cluster : clusters) {
    if (cluster.name == name) {
      return &cluster;
    }
  }
  return nullptr;
}

const Tenant* Config::findTenant(std::string_view name) const {
  for (const auto& tenant : tenants) {
    if (tenant.name == name) {
      return &tenant;
    }
  }
  return nullptr;
}

}  // namespace bulwark::config
