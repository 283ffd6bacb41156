// The top level of the config and its small sections: admin, limits, drain, logging, the demo
// upstream.

#include "config/config_builder.h"

#include <array>

namespace bulwark::config {
namespace {

// The keys each section accepts. The names are a contract with operators' files: add, never
// rename.
constexpr auto kRootKeys = std::to_array<std::string_view>(
    {"workers", "admin", "listeners", "tenants", "clusters", "firewall", "inspection",
     "desync_mitigation", "limits", "logging", "drain", "demo_upstream"});
constexpr auto kAdminKeys = std::to_array<std::string_view>({"address"});
constexpr auto kLimitsKeys = std::to_array<std::string_view>(
    {"max_request_header_bytes", "max_request_body_bytes", "max_request_headers",
     "request_header_timeout", "idle_timeout", "upstream_response_timeout"});
constexpr auto kDrainKeys = std::to_array<std::string_view>({"delay", "timeout"});
constexpr auto kLoggingKeys = std::to_array<std::string_view>({"level", "access_log", "alert_log"});
constexpr auto kDemoUpstreamKeys = std::to_array<std::string_view>({"address"});

constexpr auto kDesyncModes =
    std::to_array<EnumName<DesyncMode>>({{"monitor", DesyncMode::Monitor},
                                         {"defensive", DesyncMode::Defensive},
                                         {"strictest", DesyncMode::Strictest}});
constexpr auto kLogLevels = std::to_array<EnumName<std::string_view>>({{"trace", "trace"},
                                                                       {"debug", "debug"},
                                                                       {"info", "info"},
                                                                       {"warn", "warn"},
                                                                       {"error", "error"},
                                                                       {"critical", "critical"},
                                                                       {"off", "off"}});

constexpr uint32_t kMaxWorkers = 256;

} // namespace

void ConfigBuilder::build(const YAML::Node& root) {
  auto map = reader_.map(Field{root, root.Mark(), ""}, kRootKeys);
  if (!map) {
    return;
  }
  if (const Field* field = map->value("workers")) {
    reader_.readUint32(*field, config_.workers, 0, kMaxWorkers);
  }
  section(*map, "admin", [&](const Field& f) { readAdmin(f); });
  section(*map, "clusters", [&](const Field& f) { readClusters(f); });
  section(*map, "tenants", [&](const Field& f) { readTenants(f); });
  section(*map, "listeners", [&](const Field& f) { readListeners(f); });
  section(*map, "firewall", [&](const Field& f) { readFirewall(f); });
  section(*map, "inspection", [&](const Field& f) { readInspection(f); });
  if (const Field* field = map->value("desync_mitigation")) {
    reader_.readEnum<DesyncMode>(*field, config_.desync_mitigation, kDesyncModes);
  }
  section(*map, "limits", [&](const Field& f) { readLimits(f); });
  section(*map, "drain", [&](const Field& f) { readDrain(f); });
  section(*map, "logging", [&](const Field& f) { readLogging(f); });
  section(*map, "demo_upstream", [&](const Field& f) { readDemoUpstream(f); });

  if (map->entry("listeners") == nullptr) {
    reader_.error(map->self().mark, "no listeners: at least one listener is required");
  }
}

// Reads `name`, checks its form and that no earlier item of the same kind took it.
bool ConfigBuilder::readName(const YamlMap& map, std::string_view kind,
                             std::map<std::string, int>& seen, std::string& out) {
  if (!reader_.require(map, "name")) {
    return false;
  }
  const Field& field = *map.value("name");
  std::string name;
  if (!reader_.readString(field, name)) {
    return false;
  }
  if (!isValidName(name)) {
    reader_.error(field, "bad " + std::string(kind) + " name '" + name +
                             "': use letters, digits, '-' and '_' (names appear in stat names)");
    return false;
  }
  auto [it, inserted] = seen.emplace(name, field.mark.line + 1);
  if (!inserted) {
    reader_.error(field, "duplicate " + std::string(kind) + " name '" + name +
                             "' (first defined on line " + std::to_string(it->second) + ")");
  }
  out = name;
  return inserted;
}

void ConfigBuilder::readAdmin(const Field& field) {
  auto map = reader_.map(field, kAdminKeys);
  if (!map) {
    return;
  }
  if (const Field* address = map->value("address")) {
    if (reader_.readAddress(*address, config_.admin.address, PortRule::ZeroAllowed) &&
        config_.admin.address.host != "127.0.0.1" && config_.admin.address.host != "::1" &&
        config_.admin.address.host != "localhost") {
      // The admin API can reload rules and lists connections: it has no authentication of its
      // own, so anything but loopback deserves a word.
      reader_.warn(*address, "the admin listener is not on a loopback address; anyone who can "
                             "reach it can reload rules and read connections");
    }
  }
}

void ConfigBuilder::readLimits(const Field& field) {
  auto map = reader_.map(field, kLimitsKeys);
  if (!map) {
    return;
  }
  Limits& limits = config_.limits;
  if (const Field* header_bytes = map->value("max_request_header_bytes")) {
    reader_.readSize(*header_bytes, limits.max_request_header_bytes, 1024);
  }
  if (const Field* body_bytes = map->value("max_request_body_bytes")) {
    reader_.readSize(*body_bytes, limits.max_request_body_bytes, 0);
  }
  if (const Field* headers = map->value("max_request_headers")) {
    reader_.readUint32(*headers, limits.max_request_headers, 1, 10000);
  }
  for (auto [key, out] :
       {std::pair{"request_header_timeout", &limits.request_header_timeout},
        std::pair{"idle_timeout", &limits.idle_timeout},
        std::pair{"upstream_response_timeout", &limits.upstream_response_timeout}}) {
    if (const Field* value = map->value(key)) {
      reader_.readDuration(*value, *out, false);
    }
  }
}

void ConfigBuilder::readDrain(const Field& field) {
  auto map = reader_.map(field, kDrainKeys);
  if (!map) {
    return;
  }
  if (const Field* delay = map->value("delay")) {
    reader_.readDuration(*delay, config_.drain.delay, true);
  }
  if (const Field* timeout = map->value("timeout")) {
    reader_.readDuration(*timeout, config_.drain.timeout, true);
  }
}

void ConfigBuilder::readLogging(const Field& field) {
  auto map = reader_.map(field, kLoggingKeys);
  if (!map) {
    return;
  }
  if (const Field* level = map->value("level")) {
    std::string_view value;
    if (reader_.readEnum<std::string_view>(*level, value, kLogLevels)) {
      config_.logging.level = std::string(value);
    }
  }
  if (const Field* access_log = map->value("access_log")) {
    readLogDestination(*access_log, config_.logging.access_log);
  }
  if (const Field* alert_log = map->value("alert_log")) {
    readLogDestination(*alert_log, config_.logging.alert_log);
  }
}

// A log destination is written, not read, so it need not exist yet; a relative path is still
// made absolute so that it does not depend on the directory the gateway was started from.
void ConfigBuilder::readLogDestination(const Field& field, std::string& out) {
  std::string value;
  if (!reader_.readString(field, value)) {
    return;
  }
  if (value.empty() || value == "stdout" || value == "stderr" || value == "off") {
    out = value;
    return;
  }
  out = reader_.resolvePath(value);
}

void ConfigBuilder::readDemoUpstream(const Field& field) {
  auto map = reader_.map(field, kDemoUpstreamKeys);
  if (!map) {
    return;
  }
  DemoUpstream demo;
  if (reader_.require(*map, "address")) {
    reader_.readAddress(*map->value("address"), demo.address, PortRule::NonZero);
  }
  config_.demo_upstream = demo;
}

} // namespace bulwark::config
