// The firewall and inspection sections: CIDRs, rate limits, rule files and lists.

#include <algorithm>
#include <array>

#include "config/config_builder.h"
#include "config/values.h"

namespace bulwark::config {
namespace {

// The keys each section accepts. The names are a contract with operators' files: add, never
// rename.
constexpr auto kFirewallKeys = std::to_array<std::string_view>(
    {"deny", "allow", "max_connections_per_ip", "request_rate_per_ip"});
constexpr auto kRateLimitKeys = std::to_array<std::string_view>({"rate", "per", "burst"});
constexpr auto kInspectionKeys =
    std::to_array<std::string_view>({"mode", "rules", "domain_lists", "url_lists", "ip_lists",
                                     "body_inspection_limit", "body_over_limit", "on_scan_error",
                                     "domain_fronting", "address_groups", "port_groups",
                                     "cache_dir", "disabled_sids"});
constexpr auto kDomainListKeys =
    std::to_array<std::string_view>({"file", "action", "match_on", "subdomains"});
constexpr auto kUrlListKeys = std::to_array<std::string_view>({"file", "action", "case_sensitive"});
constexpr auto kIpListKeys = std::to_array<std::string_view>({"file", "action"});

constexpr auto kInspectionModes = std::to_array<EnumName<InspectionMode>>(
    {{"block", InspectionMode::Block}, {"detect", InspectionMode::Detect}});
constexpr auto kListActions = std::to_array<EnumName<ListAction>>({{"reject", ListAction::Reject},
                                                                   {"drop", ListAction::Drop},
                                                                   {"alert", ListAction::Alert},
                                                                   {"allow", ListAction::Allow}});
constexpr auto kMatchOn =
    std::to_array<EnumName<MatchOn>>({{"sni", MatchOn::Sni}, {"host", MatchOn::Host}});
constexpr auto kBodyOverLimit = std::to_array<EnumName<BodyOverLimit>>(
    {{"inspect_prefix", BodyOverLimit::InspectPrefix}, {"reject", BodyOverLimit::Reject}});
constexpr auto kDomainFronting = std::to_array<EnumName<DomainFronting>>(
    {{"allow", DomainFronting::Allow},
     {"alert", DomainFronting::Alert},
     {"reject", DomainFronting::Reject}});
constexpr auto kScanErrorPolicies = std::to_array<EnumName<ScanErrorPolicy>>(
    {{"fail_closed", ScanErrorPolicy::FailClosed}, {"fail_open", ScanErrorPolicy::FailOpen}});

} // namespace

void ConfigBuilder::readFirewall(const Field& field) {
  auto map = reader_.map(field, kFirewallKeys);
  if (!map) {
    return;
  }
  Firewall& firewall = config_.firewall;
  section(*map, "deny", [&](const Field& f) { readCidrs(f, firewall.deny); });
  section(*map, "allow", [&](const Field& f) { readCidrs(f, firewall.allow); });
  if (const Field* max = map->value("max_connections_per_ip")) {
    reader_.readUint32(*max, firewall.max_connections_per_ip, 0, UINT32_MAX);
  }
  section(*map, "request_rate_per_ip",
          [&](const Field& f) { firewall.request_rate_per_ip = readRateLimit(f); });
}

void ConfigBuilder::readCidrs(const Field& field, std::vector<std::string>& out) {
  std::vector<std::string> cidrs;
  if (!reader_.readStringList(field, cidrs)) {
    return;
  }
  const std::vector<Field> items = reader_.list(field);
  for (size_t i = 0; i < cidrs.size(); ++i) {
    std::string why;
    bool host_bits = false;
    if (!checkCidr(cidrs[i], why, host_bits)) {
      reader_.error(items[i], "bad CIDR '" + cidrs[i] + "': " + why);
      continue;
    }
    if (host_bits) {
      reader_.warn(items[i], "'" + cidrs[i] + "' has bits set past its prefix length");
    }
    out.push_back(cidrs[i]);
  }
}

RateLimit ConfigBuilder::readRateLimit(const Field& field) {
  RateLimit limit;
  auto map = reader_.map(field, kRateLimitKeys);
  if (!map) {
    return limit;
  }
  if (reader_.require(*map, "rate")) {
    reader_.readUint(*map->value("rate"), limit.rate, 1, UINT32_MAX);
  }
  if (const Field* per = map->value("per")) {
    reader_.readDuration(*per, limit.per, false);
  }
  // Without a burst, a client may spend one period's allowance at once and no more.
  limit.burst = limit.rate;
  if (const Field* burst = map->value("burst")) {
    reader_.readUint(*burst, limit.burst, 1, UINT32_MAX);
  }
  return limit;
}

void ConfigBuilder::readInspection(const Field& field) {
  auto map = reader_.map(field, kInspectionKeys);
  if (!map) {
    return;
  }
  Inspection& inspection = config_.inspection;
  if (const Field* mode = map->value("mode")) {
    reader_.readEnum<InspectionMode>(*mode, inspection.mode, kInspectionModes);
  }
  if (const Field* rules = map->value("rules")) {
    std::vector<std::string> files;
    reader_.readGlobs(*rules, files, "rule file");
    for (auto& file : files) {
      // Two patterns may match the same file; loading it twice would duplicate every sid.
      if (std::find(inspection.rules.begin(), inspection.rules.end(), file) ==
          inspection.rules.end()) {
        inspection.rules.push_back(std::move(file));
      }
    }
  }
  section(*map, "domain_lists",
          [&](const Field& f) { readDomainLists(f, inspection.domain_lists); });
  section(*map, "url_lists", [&](const Field& f) { readUrlLists(f, inspection.url_lists); });
  section(*map, "ip_lists", [&](const Field& f) { readIpLists(f, inspection.ip_lists); });
  if (const Field* limit = map->value("body_inspection_limit")) {
    reader_.readSize(*limit, inspection.body_inspection_limit, 0);
  }
  if (const Field* policy = map->value("on_scan_error")) {
    reader_.readEnum<ScanErrorPolicy>(*policy, inspection.on_scan_error, kScanErrorPolicies);
  }
  if (const Field* over = map->value("body_over_limit")) {
    reader_.readEnum<BodyOverLimit>(*over, inspection.body_over_limit, kBodyOverLimit);
  }
  if (const Field* fronting = map->value("domain_fronting")) {
    reader_.readEnum<DomainFronting>(*fronting, inspection.domain_fronting, kDomainFronting);
  }
  if (const Field* groups = map->value("address_groups")) {
    readGroups(*groups, inspection.address_groups);
  }
  if (const Field* groups = map->value("port_groups")) {
    readGroups(*groups, inspection.port_groups);
  }
  if (const Field* sids = map->value("disabled_sids")) {
    for (const Field& sid : reader_.list(*sids)) {
      uint32_t value = 0;
      if (reader_.readUint32(sid, value, 1, UINT32_MAX)) {
        inspection.disabled_sids.push_back(value);
      }
    }
  }
  if (const Field* dir = map->value("cache_dir")) {
    if (reader_.readString(*dir, inspection.cache_dir)) {
      inspection.cache_dir = reader_.resolvePath(inspection.cache_dir);
    }
  }
}

// Rule variables: `HOME_NET: "[10.0.0.0/8]"`, names without the '$'.
void ConfigBuilder::readGroups(const Field& field, std::map<std::string, std::string>& out) {
  if (!field.value.IsMap()) {
    reader_.error(field, "expected a mapping of names to values");
    return;
  }
  for (const auto& entry : field.value) {
    const Field value{entry.second, entry.second.Mark(),
                      field.path + "." + entry.first.as<std::string>("")};
    std::string text;
    if (reader_.readString(value, text)) {
      out[entry.first.as<std::string>("")] = text;
    }
  }
}

void ConfigBuilder::readDomainLists(const Field& field, std::vector<DomainList>& out) {
  for (const Field& item : reader_.list(field)) {
    auto map = reader_.map(item, kDomainListKeys);
    if (!map) {
      continue;
    }
    DomainList list;
    if (reader_.require(*map, "file")) {
      reader_.readFile(*map->value("file"), list.file, "domain list");
    }
    if (const Field* action = map->value("action")) {
      reader_.readEnum<ListAction>(*action, list.action, kListActions);
    }
    if (const Field* match_on = map->value("match_on")) {
      std::vector<MatchOn> values;
      const std::vector<Field> names = reader_.list(*match_on);
      bool ok = !names.empty();
      for (const Field& name : names) {
        MatchOn value = MatchOn::Host;
        ok = reader_.readEnum<MatchOn>(name, value, kMatchOn) && ok;
        values.push_back(value);
      }
      if (names.empty() && match_on->value.IsSequence()) {
        reader_.error(*match_on, "list at least one of: sni, host");
      }
      if (ok) {
        list.match_on = std::move(values);
      }
    }
    if (const Field* subdomains = map->value("subdomains")) {
      reader_.readBool(*subdomains, list.subdomains);
    }
    out.push_back(std::move(list));
  }
}

void ConfigBuilder::readUrlLists(const Field& field, std::vector<UrlList>& out) {
  for (const Field& item : reader_.list(field)) {
    auto map = reader_.map(item, kUrlListKeys);
    if (!map) {
      continue;
    }
    UrlList list;
    if (reader_.require(*map, "file")) {
      reader_.readFile(*map->value("file"), list.file, "URL list");
    }
    if (const Field* action = map->value("action")) {
      reader_.readEnum<ListAction>(*action, list.action, kListActions);
    }
    if (const Field* case_sensitive = map->value("case_sensitive")) {
      reader_.readBool(*case_sensitive, list.case_sensitive);
    }
    out.push_back(std::move(list));
  }
}

void ConfigBuilder::readIpLists(const Field& field, std::vector<IpList>& out) {
  for (const Field& item : reader_.list(field)) {
    auto map = reader_.map(item, kIpListKeys);
    if (!map) {
      continue;
    }
    IpList list;
    if (reader_.require(*map, "file")) {
      reader_.readFile(*map->value("file"), list.file, "IP list");
    }
    if (const Field* action = map->value("action")) {
      reader_.readEnum<ListAction>(*action, list.action, kListActions);
    }
    out.push_back(std::move(list));
  }
}

} // namespace bulwark::config
