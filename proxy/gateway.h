#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/stats.h"
#include "config/config.h"
#include "rules/rule_set.h"
#include "proxy/simple_server.h"
#include "proxy/worker.h"

namespace bulwark::proxy {

// The whole process: builds the shared runtime from a config, starts the workers, the admin API
// and (when configured) the demo upstream, and runs the control thread until a drain finishes.
//
// The control thread is the thread that calls run(): it handles signals (SIGTERM and SIGINT
// drain), rotates TLS ticket keys and serves the admin API. Workers carry the traffic.
class Gateway {
public:
  explicit Gateway(config::Config config);
  ~Gateway();

  // Builds everything and binds every socket. On failure returns false with every problem in
  // `errors` and nothing listening.
  bool start(std::vector<std::string>& errors);

  // Serves until drained. Returns the process exit code (0 after a clean drain).
  int run();

  // Begins a drain: /ready answers 503, after drain.delay the listeners close, in-flight
  // requests finish up to drain.timeout, then run() returns. Control thread.
  void beginDrain();

private:
  bool buildRuntime(std::vector<std::string>& errors);
  void loadRules(std::vector<std::string>& errors);
  // Loads the rule files again and, when the set builds, publishes it to every worker. The
  // status and JSON body for POST /rules/reload. Control thread; blocks it while compiling.
  std::pair<unsigned, std::string> reloadRules(std::string_view trigger);
  std::string rulesJson() const;
  std::string loadJson(const rules::RuleSetLoad& load) const;
  bool startWorkers(std::vector<std::string>& errors);
  void armTicketRotation();
  void waitForDrain(std::chrono::steady_clock::time_point deadline);
  void finish();

  config::Config config_;
  std::shared_ptr<Runtime> runtime_;
  GatewayState state_;
  boost::asio::io_context control_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<SimpleServer> admin_;
  std::unique_ptr<SimpleServer> demo_;
  std::unique_ptr<boost::asio::steady_timer> ticket_timer_;
  std::unique_ptr<boost::asio::steady_timer> drain_timer_;

  // The rule set: the load that built the running one, and the last reload attempt.
  uint64_t rules_version_ = 0;
  rules::RuleSetLoad running_load_;
  std::string last_reload_;  // JSON of the last reload's outcome, empty before any
  Counter& reload_success_;
  Counter& reload_failure_;
};

}  // namespace bulwark::proxy
