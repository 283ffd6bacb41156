#include "proxy/gateway.h"

#include <atomic>
#include <functional>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>

#include "common/logging.h"
#include "proxy/admin.h"

namespace bulwark::proxy {
namespace json = boost::json;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace {

constexpr auto kDrainPoll = std::chrono::milliseconds(50);

// Endpoint addresses are resolved once, at start. A name that does not resolve is an error.
bool resolveEndpoints(ClusterRuntime& cluster, asio::io_context& context,
                      std::vector<std::string>& errors) {
  tcp::resolver resolver(context);
  for (const auto& endpoint : cluster.config.endpoints) {
    boost::system::error_code ec;
    auto results = resolver.resolve(endpoint.address.host, std::to_string(endpoint.address.port),
                                    tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      errors.push_back(fmt::format("cluster {}: endpoint {}: cannot resolve: {}",
                                   cluster.config.name, endpoint.address.toString(),
                                   ec ? ec.message() : "no address"));
      return false;
    }
    cluster.addresses.push_back(results.begin()->endpoint());
  }
  return true;
}

uint32_t workerCount(uint32_t configured) {
  if (configured != 0) {
    return configured;
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

// TODO(proxy): the firewall, inspection, request-sanity, health-check, outlier-ejection,
// priority and load-balancing keys load and validate, but this version does not act on them yet
// (round robin over every endpoint, nothing filtered). Until it does, each one a config sets is
// named at start so that nobody believes a policy is enforced when it is not; operators who need
// these today must keep their current firewall and load balancer in front.
std::vector<std::string> notYetEnforced(const config::Config& config) {
  std::vector<std::string> keys;
  const auto& fw = config.firewall;
  if (!fw.deny.empty() || !fw.allow.empty() || fw.max_connections_per_ip != 0 ||
      fw.request_rate_per_ip) {
    keys.emplace_back("firewall");
  }
  if (config.desync_mitigation != config::DesyncMode::Defensive) {
    keys.emplace_back("desync_mitigation");
  }
  for (const auto& cluster : config.clusters) {
    if (cluster.health_check) {
      keys.push_back("clusters[" + cluster.name + "].health_check");
    }
    if (cluster.lb_policy != config::LbPolicy::RoundRobin) {
      keys.push_back("clusters[" + cluster.name + "].lb_policy");
    }
    for (const auto& endpoint : cluster.endpoints) {
      if (endpoint.priority != 0 || endpoint.weight != 1) {
        keys.push_back("clusters[" + cluster.name + "].endpoints[].priority/weight");
        break;
      }
    }
  }
  return keys;
}

}  // namespace

Gateway::Gateway(config::Config config)
    : config_(std::move(config)),
      reload_success_(Stats::global().counter("rules.reload_success", "rule set reloads applied")),
      reload_failure_(Stats::global().counter("rules.reload_failure",
                                              "rule set reloads refused; the running set stayed")) {
}

Gateway::~Gateway() {
  for (auto& worker : workers_) {
    worker->stop();
  }
}

bool Gateway::start(std::vector<std::string>& errors) {
  for (const auto& key : notYetEnforced(config_)) {
    log(LogArea::Config).warn("config key={} is accepted but not enforced by this version", key);
  }
  if (!buildRuntime(errors)) {
    return false;
  }
  // The admin listener binds first: it has no SO_REUSEPORT, so a second gateway on the same
  // config stops here before any listener of its own is up.
  std::string error;
  AdminActions actions;
  actions.rules_json = [this] { return rulesJson(); };
  actions.reload_rules = [this] { return reloadRules("admin"); };
  admin_ = std::make_unique<SimpleServer>(control_, "admin",
                                          makeAdminHandler(state_, std::move(actions)));
  if (!admin_->listen(config_.admin.address, error)) {
    errors.push_back(error);
    return false;
  }
  if (!startWorkers(errors)) {
    return false;
  }
  log(LogArea::Admin).info("admin up address={}:{}", config_.admin.address.host, admin_->port());
  if (config_.demo_upstream) {
    demo_ = std::make_unique<SimpleServer>(control_, "demo upstream", makeDemoHandler());
    if (!demo_->listen(config_.demo_upstream->address, error)) {
      errors.push_back(error);
      return false;
    }
    log(LogArea::Proxy).info("demo upstream up address={}",
                             config_.demo_upstream->address.toString());
  }
  for (auto& worker : workers_) {
    worker->start();
  }
  armTicketRotation();
  return true;
}

bool Gateway::buildRuntime(std::vector<std::string>& errors) {
  runtime_ = std::make_shared<Runtime>();
  runtime_->config = config_;
  const config::Config& config = runtime_->config;
  for (const auto& listener : config.listeners) {
    auto built = std::make_unique<ListenerRuntime>(listener, config);
    if (listener.tls) {
      built->tls = tls::ServerContext::create(*listener.tls, listener.name, errors);
    }
    runtime_->listeners.push_back(std::move(built));
  }
  for (const auto& cluster : config.clusters) {
    auto built = std::make_unique<ClusterRuntime>(cluster);
    built->index = runtime_->clusters.size();
    resolveEndpoints(*built, control_, errors);
    if (cluster.upstream_tls) {
      built->tls = tls::ClientContext::create(*cluster.upstream_tls, cluster.name, errors);
    }
    runtime_->clusters.push_back(std::move(built));
  }
  std::string alert_error;
  runtime_->alert_log = LineSink::open(config.logging.alert_log, "alert_log", alert_error);
  if (!runtime_->alert_log) {
    errors.push_back(alert_error);
  }
  loadRules(errors);
  return errors.empty();
}

namespace {

// Problem texts quote rule and list files, which may hold any bytes. Each byte above 0x7F is
// written as the code point of that value (as the log lines' \u00XX escapes read), so the
// answer is always valid UTF-8 JSON.
json::string jsonText(std::string_view text) {
  json::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out.push_back(c);
    } else {
      out.push_back(static_cast<char>(0xC0 | (byte >> 6)));
      out.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
    }
  }
  return out;
}

// Every rule and list entry that did not load, then (when the set is put in service) the
// summary line.
void logRuleLoad(const rules::RuleSetLoad& load, bool applied) {
  auto& logger = log(LogArea::Rules);
  for (const auto& problem : load.rule_problems) {
    if (problem.severity == rules::RuleProblem::Severity::Error) {
      logger.warn("rule not loaded: {}", problem.toString());
    } else {
      logger.debug("rule not loaded: {}", problem.toString());
    }
  }
  for (const auto& problem : load.list_problems) {
    logger.warn("list entry not loaded: {}", problem.toString());
  }
  if (!load.ok() || !applied) {
    return;
  }
  std::string unsupported;
  for (const auto& [reason, count] : load.unsupported) {
    unsupported += fmt::format(" unsupported.{}={}", reason, count);
  }
  const auto& set = *load.rule_set;
  logger.info("rule set v{} loaded rules={} seen={} errors={}{} domain_lists={} url_lists={} "
              "ip_lists={} seconds={:.2f} hash={}",
              set.version, load.rules_loaded, load.rules_seen, load.errors, unsupported,
              set.domain_lists.size(), set.url_lists.size(), set.ip_lists.size(), load.seconds,
              set.hash.substr(0, 16));
}

} // namespace

void Gateway::loadRules(std::vector<std::string>& errors) {
  auto load = rules::loadRuleSet(runtime_->config.inspection, ++rules_version_);
  logRuleLoad(load, true);
  if (!load.ok()) {
    errors.push_back("the rule set could not be compiled; see the rules log above");
    return;
  }
  runtime_->rule_set = load.rule_set;
  running_load_ = std::move(load);
}

std::pair<unsigned, std::string> Gateway::reloadRules(std::string_view trigger) {
  log(LogArea::Rules).info("rule set reload started trigger={}", trigger);
  auto load = rules::loadRuleSet(runtime_->config.inspection, rules_version_ + 1);
  // A rule file that went missing is not a rule set anyone meant to run.
  bool files_ok = true;
  for (const auto& problem : load.rule_problems) {
    files_ok = files_ok && problem.reason != "file";
  }
  for (const auto& problem : load.list_problems) {
    files_ok = files_ok && problem.line != 0;
  }
  const bool ok = load.ok() && files_ok;
  logRuleLoad(load, ok);
  std::string body = loadJson(load);
  last_reload_ = fmt::format(R"({{"trigger":"{}","result":"{}","load":{}}})", trigger,
                             ok ? "applied" : "refused", body);
  if (!ok) {
    reload_failure_.inc();
    log(LogArea::Rules)
        .error("rule set reload refused trigger={}: the running set v{} stays", trigger,
               rules_version_);
    return {500, last_reload_ + "\n"};
  }
  rules_version_ = load.rule_set->version;
  // The answer waits until every worker holds the new set, so a request sent after it is
  // inspected by the new rules. Workers only swap a pointer; a short wait bounds a stuck one.
  auto pending = std::make_shared<std::atomic<size_t>>(workers_.size());
  for (auto& worker : workers_) {
    worker->publishRuleSet(load.rule_set, [pending] { pending->fetch_sub(1); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (pending->load() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  running_load_ = std::move(load);
  reload_success_.inc();
  return {200, last_reload_ + "\n"};
}

std::string Gateway::loadJson(const rules::RuleSetLoad& load) const {
  json::object out;
  if (load.rule_set) {
    out["version"] = load.rule_set->version;
    out["hash"] = load.rule_set->hash;
    json::array lists;
    for (const auto& list : load.rule_set->domain_lists) {
      lists.push_back(
          json::object{{"kind", "domain"}, {"file", list.file}, {"entries", list.set.size()}});
    }
    for (const auto& list : load.rule_set->url_lists) {
      lists.push_back(
          json::object{{"kind", "url"}, {"file", list.file}, {"entries", list.set.size()}});
    }
    for (const auto& list : load.rule_set->ip_lists) {
      lists.push_back(json::object{{"kind", "ip"}, {"file", list.file}});
    }
    out["lists"] = std::move(lists);
  }
  out["rules_seen"] = load.rules_seen;
  out["rules_loaded"] = load.rules_loaded;
  out["rules_disabled"] = load.rules_disabled;
  out["rule_errors"] = load.errors;
  json::object unsupported;
  for (const auto& [reason, count] : load.unsupported) {
    unsupported[reason] = count;
  }
  out["unsupported"] = std::move(unsupported);
  // Every error in full; unsupported rules only by count (ET Open has thousands).
  json::array problems;
  for (const auto& problem : load.rule_problems) {
    if (problem.severity == rules::RuleProblem::Severity::Error) {
      problems.push_back(jsonText(problem.toString()));
    }
  }
  for (const auto& problem : load.list_problems) {
    problems.push_back(jsonText(problem.toString()));
  }
  out["errors"] = std::move(problems);
  out["seconds"] = load.seconds;
  return json::serialize(out);
}

std::string Gateway::rulesJson() const {
  std::string out = "{\"running\":" + loadJson(running_load_);
  out += ",\"last_reload\":" + (last_reload_.empty() ? std::string("null") : last_reload_);
  return out + "}\n";
}

bool Gateway::startWorkers(std::vector<std::string>& errors) {
  // The first worker binds the configured ports; the others bind the ports it got, so that a
  // port 0 in the config means one free port shared by all workers (SO_REUSEPORT).
  const uint32_t count = workerCount(config_.workers);
  std::vector<uint16_t> ports(runtime_->listeners.size(), 0);
  std::string access_error;
  auto access_log = LineSink::open(config_.logging.access_log, "access_log", access_error);
  if (!access_log) {
    errors.push_back(access_error);
    return false;
  }
  for (uint32_t i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(i, runtime_, access_log, state_);
    std::string error;
    if (!worker->bind(ports, error)) {
      errors.push_back(error);
      return false;
    }
    if (i == 0) {
      for (size_t l = 0; l < ports.size(); ++l) {
        ports[l] = worker->boundPort(l);
      }
    }
    workers_.push_back(std::move(worker));
  }
  for (size_t l = 0; l < ports.size(); ++l) {
    auto& listener = *runtime_->listeners[l];
    listener.bound = tcp::endpoint(asio::ip::make_address(listener.config.address.host), ports[l]);
    log(LogArea::Proxy).info("listener up name={} address={}:{} tls={} workers={}",
                             listener.config.name, listener.config.address.host, ports[l],
                             listener.tls ? "on" : "off", count);
  }
  return true;
}

void Gateway::armTicketRotation() {
  // Every TLS listener rotates on its own period; the shortest one drives the timer.
  std::optional<std::chrono::milliseconds> period;
  for (const auto& listener : runtime_->listeners) {
    if (listener->tls) {
      const auto p = listener->config.tls->session_ticket_rotation;
      period = period ? std::min(*period, p) : p;
    }
  }
  if (!period || period->count() <= 0) {
    return;
  }
  ticket_timer_ = std::make_unique<asio::steady_timer>(control_, *period);
  ticket_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || state_.draining) {
      return;
    }
    for (const auto& listener : runtime_->listeners) {
      if (listener->tls) {
        listener->tls->rotateTicketKeys();
      }
    }
    log(LogArea::Tls).info("session ticket keys rotated");
    armTicketRotation();
  });
}

int Gateway::run() {
  asio::signal_set signals(control_, SIGTERM, SIGINT);
  signals.async_wait([this](boost::system::error_code ec, int signal) {
    if (!ec) {
      log(LogArea::Proxy).info("signal received signal={} action=drain", signal);
      beginDrain();
    }
  });
  // SIGHUP reloads the rule set, as many times as it comes.
  asio::signal_set hangups(control_, SIGHUP);
  std::function<void()> awaitHangup = [&] {
    hangups.async_wait([&](boost::system::error_code ec, int) {
      if (ec || state_.draining) {
        return;
      }
      reloadRules("sighup");
      awaitHangup();
    });
  };
  awaitHangup();
  control_.run();
  finish();
  return 0;
}

void Gateway::beginDrain() {
  if (state_.draining.exchange(true)) {
    return;
  }
  log(LogArea::Proxy).info("drain started delay={}ms timeout={}ms",
                           config_.drain.delay.count(), config_.drain.timeout.count());
  if (ticket_timer_) {
    ticket_timer_->cancel();
  }
  drain_timer_ = std::make_unique<asio::steady_timer>(control_, config_.drain.delay);
  drain_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    for (auto& worker : workers_) {
      worker->drain();
    }
    waitForDrain(std::chrono::steady_clock::now() + config_.drain.timeout);
  });
}

void Gateway::waitForDrain(std::chrono::steady_clock::time_point deadline) {
  size_t open = 0;
  for (const auto& worker : workers_) {
    open += worker->sessionCount();
  }
  if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (open != 0) {
      log(LogArea::Proxy).warn("drain deadline reached open_connections={}", open);
    }
    control_.stop();
    return;
  }
  drain_timer_->expires_after(kDrainPoll);
  drain_timer_->async_wait([this, deadline](boost::system::error_code ec) {
    if (!ec) {
      waitForDrain(deadline);
    }
  });
}

void Gateway::finish() {
  if (admin_) {
    admin_->close();
  }
  if (demo_) {
    demo_->close();
  }
  for (auto& worker : workers_) {
    worker->stop();
  }
  log(LogArea::Proxy).info("drain finished, exiting");
}

}  // namespace bulwark::proxy
