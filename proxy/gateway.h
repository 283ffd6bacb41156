#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
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
};

}  // namespace bulwark::proxy
