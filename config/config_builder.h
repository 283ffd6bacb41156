#pragma once

// Turns a parsed YAML document into a Config, one function per section (config_builder.cc and
// builder_*.cc). Internal to config/: other rooms use config/loader.h.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace bulwark::config {

// Builds a Config from a parsed document, one function per section. Clusters and tenants are
// read before listeners so that a route naming an unknown one is reported at the name itself.
class ConfigBuilder {
public:
  ConfigBuilder(YamlReader& reader, Config& config) : reader_(reader), config_(config) {}

  void build(const YAML::Node& root);

private:
  void readAdmin(const Field& field);
  void readListeners(const Field& field);
  void readListener(const Field& field);
  void checkListener(const YamlMap& map, const Listener& listener);
  void checkListenerAddress(const Field& field, const Listener& listener);
  ListenerTls readListenerTls(const Field& field);
  void checkTls(const YamlMap& map, const ListenerTls& tls);
  void readCertificates(const Field& field, std::vector<Certificate>& out);
  void readRoutes(const Field& field, std::vector<Route>& out);
  void readRoute(const Field& field, std::vector<Route>& out);
  void readHosts(const Field& field, std::vector<std::string>& out);
  void readPathPrefix(const Field& field, std::string& out);
  void checkReference(const Field& field, std::string_view kind, const std::string& name,
                      const std::map<std::string, int>& known);
  void readTenants(const Field& field);
  void readTenant(const Field& field);
  void readClusters(const Field& field);
  void readCluster(const Field& field);
  void readEndpoints(const Field& field, std::vector<Endpoint>& out);
  HealthCheck readHealthCheck(const Field& field);
  void readStatuses(const Field& field, std::vector<uint32_t>& out);
  OutlierDetection readOutlierDetection(const Field& field);
  UpstreamTls readUpstreamTls(const Field& field);
  void readFirewall(const Field& field);
  void readCidrs(const Field& field, std::vector<std::string>& out);
  RateLimit readRateLimit(const Field& field);
  void readInspection(const Field& field);
  void readGroups(const Field& field, std::map<std::string, std::string>& out);
  void readDomainLists(const Field& field, std::vector<DomainList>& out);
  void readUrlLists(const Field& field, std::vector<UrlList>& out);
  void readIpLists(const Field& field, std::vector<IpList>& out);
  void readLimits(const Field& field);
  void readDrain(const Field& field);
  void readLogging(const Field& field);
  void readLogDestination(const Field& field, std::string& out);
  void readDemoUpstream(const Field& field);
  bool readName(const YamlMap& map, std::string_view kind, std::map<std::string, int>& seen,
                std::string& out);

  // Runs `read` on the value of `key` when the key is present (null included, for sections).
  template <typename F> void section(const YamlMap& map, std::string_view key, F&& read) {
    if (const Field* field = map.entry(key)) {
      read(*field);
    }
  }

  YamlReader& reader_;
  Config& config_;
  std::map<std::string, int> listener_names_;
  std::map<std::string, int> tenant_names_;
  std::map<std::string, int> cluster_names_;
  std::map<std::string, std::string> listener_addresses_; // address -> listener name
};

} // namespace bulwark::config
