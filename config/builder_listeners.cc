// Listeners, their TLS settings and routes, and tenants.

#include <array>

#include "config/config_builder.h"
#include "config/values.h"

namespace bulwark::config {
namespace {

// The keys each section accepts. The names are a contract with operators' files: add, never
// rename.
constexpr auto kListenerKeys =
    std::to_array<std::string_view>({"name", "address", "tls", "routes", "redirect_to_https"});
constexpr auto kTlsKeys = std::to_array<std::string_view>(
    {"policy", "certificates", "self_signed", "hsts", "min_version", "ciphers", "ciphersuites",
     "groups", "session_ticket_rotation", "handshake_timeout"});
constexpr auto kCustomTlsKeys =
    std::to_array<std::string_view>({"min_version", "ciphers", "ciphersuites", "groups"});
constexpr auto kCertificateKeys = std::to_array<std::string_view>({"cert", "key"});
constexpr auto kRouteKeys =
    std::to_array<std::string_view>({"tenant", "path_prefix", "hosts", "cluster"});
constexpr auto kTenantKeys =
    std::to_array<std::string_view>({"name", "path_prefix", "hosts", "cluster"});

constexpr auto kTlsPolicies = std::to_array<EnumName<TlsPolicy>>(
    {{"strict", TlsPolicy::Strict}, {"tls13", TlsPolicy::Tls13}, {"custom", TlsPolicy::Custom}});
constexpr auto kTlsVersions =
    std::to_array<EnumName<std::string_view>>({{"1.2", "1.2"}, {"1.3", "1.3"}});

} // namespace

void ConfigBuilder::readListeners(const Field& field) {
  const std::vector<Field> items = reader_.list(field);
  if (items.empty() && (field.isNull() || field.value.IsSequence())) {
    reader_.error(field, "no listeners: at least one listener is required");
  }
  for (const Field& item : items) {
    readListener(item);
  }
}

void ConfigBuilder::readListener(const Field& field) {
  auto map = reader_.map(field, kListenerKeys);
  if (!map) {
    return;
  }
  Listener listener;
  listener.mark = reader_.sourceMark(field.mark);
  readName(*map, "listener", listener_names_, listener.name);
  if (reader_.require(*map, "address")) {
    const Field& address = *map->value("address");
    if (reader_.readAddress(address, listener.address, PortRule::ZeroAllowed)) {
      checkListenerAddress(address, listener);
    }
  }
  section(*map, "tls", [&](const Field& f) { listener.tls = readListenerTls(f); });
  section(*map, "routes", [&](const Field& f) { readRoutes(f, listener.routes); });
  if (const Field* redirect = map->value("redirect_to_https")) {
    uint32_t port = 0;
    if (reader_.readUint32(*redirect, port, 1, 65535)) {
      listener.redirect_to_https = static_cast<uint16_t>(port);
    }
  }
  checkListener(*map, listener);
  config_.listeners.push_back(std::move(listener));
}

// Two sockets on one address would both bind (SO_REUSEPORT) and split the traffic between
// them, so a repeated address is refused here. Port 0 ("any free port") never collides.
void ConfigBuilder::checkListenerAddress(const Field& field, const Listener& listener) {
  if (listener.address.port == 0) {
    return;
  }
  const std::string address = listener.address.toString();
  if (address == config_.admin.address.toString()) {
    reader_.error(field, "address " + address + " is already used by the admin listener");
    return;
  }
  auto [it, inserted] = listener_addresses_.emplace(address, listener.name);
  if (!inserted) {
    reader_.error(field,
                  "address " + address + " is already used by listener '" + it->second + "'");
  }
}

// What a listener does must be unambiguous: it either routes or redirects, and a redirect to
// HTTPS from a TLS listener would loop.
void ConfigBuilder::checkListener(const YamlMap& map, const Listener& listener) {
  const Field* redirect = map.value("redirect_to_https");
  const Field* routes = map.entry("routes");
  if (redirect != nullptr && map.entry("tls") != nullptr) {
    reader_.error(*redirect, "a TLS listener cannot redirect to https; remove tls or "
                             "redirect_to_https");
  }
  if (redirect != nullptr && routes != nullptr && !listener.routes.empty()) {
    reader_.error(*routes, "a listener with redirect_to_https routes nothing; remove routes");
  }
  if (redirect == nullptr && (routes == nullptr || listener.routes.empty())) {
    reader_.error(map.self(), "listener has neither routes nor redirect_to_https");
  }
}

ListenerTls ConfigBuilder::readListenerTls(const Field& field) {
  ListenerTls tls;
  auto map = reader_.map(field, kTlsKeys);
  if (!map) {
    return tls;
  }
  if (const Field* policy = map->value("policy")) {
    reader_.readEnum<TlsPolicy>(*policy, tls.policy, kTlsPolicies);
  }
  section(*map, "certificates", [&](const Field& f) { readCertificates(f, tls.certificates); });
  if (const Field* self_signed = map->value("self_signed")) {
    reader_.readBool(*self_signed, tls.self_signed);
  }
  if (const Field* hsts = map->value("hsts")) {
    reader_.readString(*hsts, tls.hsts);
  }
  if (const Field* version = map->value("min_version")) {
    std::string_view value;
    if (reader_.readEnum<std::string_view>(*version, value, kTlsVersions)) {
      tls.min_version = std::string(value);
    }
  }
  for (auto [key, out] :
       {std::pair{"ciphers", &tls.ciphers}, std::pair{"ciphersuites", &tls.ciphersuites},
        std::pair{"groups", &tls.groups}}) {
    if (const Field* value = map->value(key)) {
      reader_.readString(*value, *out);
    }
  }
  if (const Field* rotation = map->value("session_ticket_rotation")) {
    reader_.readDuration(*rotation, tls.session_ticket_rotation, false);
  }
  if (const Field* timeout = map->value("handshake_timeout")) {
    reader_.readDuration(*timeout, tls.handshake_timeout, false);
  }
  checkTls(*map, tls);
  return tls;
}

void ConfigBuilder::checkTls(const YamlMap& map, const ListenerTls& tls) {
  // A cipher list under `strict` would be silently ignored, and an operator who wrote one
  // believes it applies: refuse it instead.
  if (tls.policy != TlsPolicy::Custom) {
    for (std::string_view key : kCustomTlsKeys) {
      if (const Field* field = map.entry(key)) {
        reader_.error(*field, "only allowed with policy: custom");
      }
    }
  }

  const Field* certificates = map.entry("certificates");
  const bool wrong_type = certificates != nullptr && !certificates->isNull() &&
                          !certificates->value.IsSequence(); // a wrong type was reported already
  if (tls.certificates.empty() && !tls.self_signed && !wrong_type) {
    reader_.error(certificates != nullptr ? *certificates : map.self(),
                  "tls needs certificates, or self_signed: true");
  }
  if (!tls.certificates.empty() && tls.self_signed) {
    reader_.error(*map.entry("self_signed"), "self_signed: true and certificates are exclusive");
  }
}

void ConfigBuilder::readCertificates(const Field& field, std::vector<Certificate>& out) {
  for (const Field& item : reader_.list(field)) {
    auto map = reader_.map(item, kCertificateKeys);
    if (!map) {
      continue;
    }
    Certificate certificate;
    if (reader_.require(*map, "cert")) {
      reader_.readFile(*map->value("cert"), certificate.cert_file, "certificate");
    }
    if (reader_.require(*map, "key")) {
      reader_.readFile(*map->value("key"), certificate.key_file, "private key");
    }
    out.push_back(std::move(certificate));
  }
}

// ---- routes and tenants -----------------------------------------------------------------------

void ConfigBuilder::readRoutes(const Field& field, std::vector<Route>& out) {
  for (const Field& item : reader_.list(field)) {
    readRoute(item, out);
  }
}

void ConfigBuilder::readRoute(const Field& field, std::vector<Route>& out) {
  auto map = reader_.map(field, kRouteKeys);
  if (!map) {
    return;
  }
  Route route;
  route.mark = reader_.sourceMark(field.mark);
  const Field* tenant = map->value("tenant");
  const Field* cluster = map->value("cluster");
  if (tenant != nullptr && reader_.readString(*tenant, route.tenant)) {
    checkReference(*tenant, "tenant", route.tenant, tenant_names_);
  }
  if (cluster != nullptr && reader_.readString(*cluster, route.cluster)) {
    checkReference(*cluster, "cluster", route.cluster, cluster_names_);
  }
  section(*map, "path_prefix", [&](const Field& f) { readPathPrefix(f, route.path_prefix); });
  section(*map, "hosts", [&](const Field& f) { readHosts(f, route.hosts); });

  // A tenant route matches on the tenant's own prefix and hosts and goes to the tenant's
  // cluster; anything written beside `tenant` would be ignored, so it is refused.
  if (tenant != nullptr) {
    for (std::string_view key : {"cluster", "path_prefix", "hosts"}) {
      if (const Field* extra = map->entry(key)) {
        reader_.error(*extra, "a tenant route takes its " + std::string(key) +
                                  " from the tenant; remove it here");
      }
    }
  } else if (cluster == nullptr) {
    reader_.error(field, "a route needs a tenant or a cluster");
  }
  out.push_back(std::move(route));
}

void ConfigBuilder::checkReference(const Field& field, std::string_view kind,
                                   const std::string& name,
                                   const std::map<std::string, int>& known) {
  if (known.count(name) != 0) {
    return;
  }
  std::vector<std::string_view> names;
  names.reserve(known.size());
  for (const auto& [known_name, line] : known) {
    names.push_back(known_name);
  }
  std::string message = "unknown " + std::string(kind) + " '" + name + "'";
  if (auto near = closestMatch(name, names); !near.empty()) {
    message += "; did you mean '" + std::string(near) + "'?";
  }
  reader_.error(field, message);
}

void ConfigBuilder::readHosts(const Field& field, std::vector<std::string>& out) {
  std::vector<std::string> hosts;
  if (!reader_.readStringList(field, hosts)) {
    return;
  }
  const std::vector<Field> items = reader_.list(field);
  for (size_t i = 0; i < hosts.size(); ++i) {
    // Hosts are compared with the normalised Host header, which is lower-case and has no
    // trailing dot; storing them the same way keeps the match a plain comparison.
    if (auto host = normalizeConfigHost(hosts[i])) {
      out.push_back(std::move(*host));
    } else {
      reader_.error(items[i], "bad host name '" + hosts[i] + "'");
    }
  }
}

void ConfigBuilder::readPathPrefix(const Field& field, std::string& out) {
  std::string prefix;
  if (field.isNull() || !reader_.readString(field, prefix)) {
    return;
  }
  if (prefix.empty() || prefix.front() != '/') {
    reader_.error(field, "must start with '/', got '" + prefix + "'");
    return;
  }
  out = prefix;
}

void ConfigBuilder::readTenants(const Field& field) {
  for (const Field& item : reader_.list(field)) {
    readTenant(item);
  }
}

void ConfigBuilder::readTenant(const Field& field) {
  auto map = reader_.map(field, kTenantKeys);
  if (!map) {
    return;
  }
  Tenant tenant;
  tenant.mark = reader_.sourceMark(field.mark);
  readName(*map, "tenant", tenant_names_, tenant.name);
  section(*map, "path_prefix", [&](const Field& f) { readPathPrefix(f, tenant.path_prefix); });
  section(*map, "hosts", [&](const Field& f) { readHosts(f, tenant.hosts); });
  if (map->value("path_prefix") == nullptr && map->value("hosts") == nullptr) {
    reader_.error(map->self(), "a tenant needs a path_prefix, hosts, or both");
  }
  if (reader_.require(*map, "cluster") &&
      reader_.readString(*map->value("cluster"), tenant.cluster)) {
    checkReference(*map->value("cluster"), "cluster", tenant.cluster, cluster_names_);
  }
  config_.tenants.push_back(std::move(tenant));
}

} // namespace bulwark::config
