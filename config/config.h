#pragma once

// The typed configuration. Every field has the default that applies when its key is absent;
// config/loader.h fills these from YAML and validates them. The reference of every key is in
// README.md ("Configuration reference").

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bulwark::config {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

// Where a value was written, for error messages that name file:line:column (1-based).
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

// `host:port`, `[v6]:port`. `host` is kept as written (a literal address, or a name that is
// resolved when used).
struct Address {
  std::string host;
  uint16_t port = 0;

  std::string toString() const;
};

enum class TlsPolicy { Strict, Tls13, Custom };

struct Certificate {
  std::string cert_file;  // PEM chain, leaf first; absolute after loading
  std::string key_file;   // PEM private key; absolute after loading
};

struct ListenerTls {
  TlsPolicy policy = TlsPolicy::Strict;
  std::vector<Certificate> certificates;  // chosen by SNI; the first is the default
  bool self_signed = false;               // generate a certificate at start (embedded default)
  std::string hsts;                       // Strict-Transport-Security value; empty: none

  // Only with policy: custom. Empty means the `strict` value.
  std::string min_version;   // "1.2" | "1.3"
  std::string ciphers;       // OpenSSL TLS 1.2 cipher list
  std::string ciphersuites;  // OpenSSL TLS 1.3 suites
  std::string groups;        // e.g. "X25519:P-256:P-384"

  Duration session_ticket_rotation = 12h;  // a new ticket key this often; the last two decrypt
  Duration handshake_timeout = 10s;
};

// One entry of a listener's `routes`, matched in order after normalisation. Either a tenant
// route (`tenant`, matching that tenant's path prefix and hosts) or a plain route
// (`path_prefix` and/or `hosts`, sending to `cluster`).
struct Route {
  std::string tenant;
  std::string path_prefix;
  std::vector<std::string> hosts;
  std::string cluster;
  SourceMark mark;
};

struct Listener {
  std::string name;
  Address address;
  std::optional<ListenerTls> tls;
  std::vector<Route> routes;
  std::optional<uint16_t> redirect_to_https;  // answer 308 to https on this port, route nothing
  SourceMark mark;
};

struct Tenant {
  std::string name;
  std::string path_prefix;         // segment-exact, e.g. "/client/demo/"
  std::vector<std::string> hosts;  // lower-cased at load
  std::string cluster;
  SourceMark mark;
};

enum class LbPolicy { RoundRobin, LeastRequest, Random, RingHash };

struct Endpoint {
  Address address;
  uint32_t priority = 0;  // 0 is the primary site; higher numbers take traffic only on failover
  uint32_t weight = 1;
};

struct HealthCheck {
  std::string path = "/";
  Duration interval = 5s;
  Duration timeout = 2s;
  uint32_t healthy_threshold = 2;
  uint32_t unhealthy_threshold = 3;
  std::vector<uint32_t> expected_statuses = {200};
};

struct OutlierDetection {
  uint32_t consecutive_5xx = 5;
  Duration base_ejection_time = 30s;
  Duration max_ejection_time = 300s;
  uint32_t max_ejection_percent = 50;
};

struct UpstreamTls {
  std::string ca;           // PEM CA bundle; empty: the system store
  std::string server_name;  // SNI and the name verified; empty: the endpoint's host
  bool verify = true;
  std::string cert;  // optional client certificate (mutual TLS)
  std::string key;
};

struct Cluster {
  std::string name;
  LbPolicy lb_policy = LbPolicy::RoundRobin;
  std::vector<Endpoint> endpoints;
  std::optional<HealthCheck> health_check;
  OutlierDetection outlier_detection;
  Duration connect_timeout = 5s;
  std::optional<UpstreamTls> upstream_tls;
  uint32_t max_idle_connections_per_endpoint = 64;  // per worker
  SourceMark mark;
};

struct RateLimit {
  uint64_t rate = 0;
  Duration per = 1s;
  uint64_t burst = 0;
};

struct Firewall {
  std::vector<std::string> deny;   // CIDRs
  std::vector<std::string> allow;  // CIDRs; empty: everyone not denied
  uint32_t max_connections_per_ip = 0;  // 0: unlimited
  std::optional<RateLimit> request_rate_per_ip;
};

enum class InspectionMode { Block, Detect };
enum class ListAction { Reject, Drop, Alert, Allow };
enum class MatchOn { Sni, Host };
enum class ScanErrorPolicy { FailClosed, FailOpen };
enum class BodyOverLimit { InspectPrefix, Reject };
enum class DomainFronting { Allow, Alert, Reject };

struct DomainList {
  std::string file;
  ListAction action = ListAction::Reject;
  std::vector<MatchOn> match_on = {MatchOn::Sni, MatchOn::Host};
  bool subdomains = false;  // a name without a leading dot also covers its subdomains
};

struct UrlList {
  std::string file;
  ListAction action = ListAction::Reject;
  bool case_sensitive = false;
};

struct IpList {
  std::string file;
  ListAction action = ListAction::Drop;
};

struct Inspection {
  InspectionMode mode = InspectionMode::Block;
  std::vector<std::string> rules;  // rule files, globs expanded at load
  std::vector<DomainList> domain_lists;
  std::vector<UrlList> url_lists;
  std::vector<IpList> ip_lists;
  uint64_t body_inspection_limit = 1 << 20;
  BodyOverLimit body_over_limit = BodyOverLimit::InspectPrefix;
  ScanErrorPolicy on_scan_error = ScanErrorPolicy::FailClosed;
  DomainFronting domain_fronting = DomainFronting::Alert;  // SNI and Host name different hosts
  std::map<std::string, std::string> address_groups;  // rule variables: HOME_NET -> "[...]"
  std::map<std::string, std::string> port_groups;     // HTTP_PORTS -> "[80,8080]"
  std::string cache_dir;  // compiled rule databases; empty: no cache
  std::vector<uint32_t> disabled_sids;  // rules left out although their files hold them
};

enum class DesyncMode { Monitor, Defensive, Strictest };

struct Limits {
  uint64_t max_request_header_bytes = 32 * 1024;
  uint64_t max_request_body_bytes = 100ULL << 20;
  uint32_t max_request_headers = 100;
  Duration request_header_timeout = 10s;
  Duration idle_timeout = 60s;
  Duration upstream_response_timeout = 30s;
};

struct Drain {
  Duration delay = 0s;     // /ready answers 503 this long before the listeners close
  Duration timeout = 30s;  // in-flight requests get this long to finish
};

struct Logging {
  std::string level = "info";
  std::string access_log = "stdout";  // a path, "stdout", "stderr" or "off"
  std::string alert_log;              // a path, "stdout", "stderr" or empty/"off"
};

struct Admin {
  Address address{"127.0.0.1", 9901};
};

// A built-in web server the embedded default config routes to, so that a first run serves a
// real page through the proxy. Off unless configured.
struct DemoUpstream {
  Address address;
};

struct Config {
  uint32_t workers = 0;  // 0: one per core
  Admin admin;
  std::vector<Listener> listeners;
  std::vector<Tenant> tenants;
  std::vector<Cluster> clusters;
  Firewall firewall;
  Inspection inspection;
  DesyncMode desync_mitigation = DesyncMode::Defensive;
  Limits limits;
  Drain drain;
  Logging logging;
  std::optional<DemoUpstream> demo_upstream;

  std::string source;    // the file it came from, or "<embedded default>"
  std::string base_dir;  // relative paths in the file are resolved against this

  const Cluster* findCluster(std::string_view name) const;
  const Tenant* findTenant(std::string_view name) const;
};

}  // namespace bulwark::config
