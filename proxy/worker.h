#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/line_sink.h"
#include "proxy/access_log.h"
#include "proxy/runtime.h"
#include "proxy/upstream_pool.h"

namespace bulwark::proxy {

class Session;

// What the workers and the control thread share about the process as a whole.
struct GatewayState {
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> next_connection_id{1};
};

// One worker: a thread with its own io_context, its own accepting socket per listener
// (SO_REUSEPORT, so the kernel spreads connections), its own upstream pools. A connection lives
// on one worker from accept to close, so nothing a request touches is locked.
//
// Construction, bind() and start() happen on the control thread before traffic; afterwards
// other threads talk to a worker only through post() (drain(), stop()).
class Worker {
public:
  Worker(size_t index, std::shared_ptr<const Runtime> runtime,
         std::shared_ptr<LineSink> access_log, GatewayState& state);
  ~Worker();

  // Opens this worker's accepting socket for every listener of the runtime. `ports[i]`, when
  // non-zero, replaces the configured port of listener i (how port 0 is resolved once and then
  // shared). Returns false and sets `error` when a socket cannot be bound.
  bool bind(const std::vector<uint16_t>& ports, std::string& error);

  // The port listener `i` is bound to on this worker.
  uint16_t boundPort(size_t i) const;

  // Starts the thread.
  void start();

  // Stops accepting, closes idle connections, and lets busy ones close after their current
  // response. Any thread.
  void drain();

  // Stops the event loop at once and joins the thread. Any thread but this worker's.
  void stop();

  // Hands the worker a new rule set: requests that start afterwards use it, requests in flight
  // finish on the one they started with. Any thread (posted to the worker); `applied` is
  // called on the worker thread once it is in place.
  void publishRuleSet(std::shared_ptr<const rules::RuleSet> rule_set,
                      std::function<void()> applied);

  // Live downstream connections. Any thread (an atomic read).
  size_t sessionCount() const noexcept { return session_count_.load(); }

  // --- Worker thread only ---
  asio::io_context& context() noexcept { return context_; }
  const Runtime& runtime() const noexcept { return *runtime_; }
  UpstreamPool& pool(size_t cluster_index) noexcept { return *pools_[cluster_index]; }
  bool draining() const noexcept { return state_.draining.load(std::memory_order_relaxed); }
  uint64_t nextConnectionId() noexcept { return state_.next_connection_id.fetch_add(1); }
  filters::InspectionStage& inspection() noexcept { return inspection_; }
  void logAccess(const AccessRecord& record);
  void addSession(Session* session);
  void removeSession(Session* session);

private:
  asio::awaitable<void> acceptLoop(size_t listener_index);
  void armAccessLogFlush();
  void flushAccessLog() noexcept;

  size_t index_;
  std::shared_ptr<const Runtime> runtime_;
  std::shared_ptr<LineSink> access_log_;
  GatewayState& state_;
  filters::InspectionStage inspection_;
  asio::io_context context_{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::unique_ptr<UpstreamPool>> pools_;
  std::unordered_set<Session*> sessions_;
  std::atomic<size_t> session_count_{0};
  std::string access_buffer_;
  asio::steady_timer access_flush_timer_{context_};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace bulwark::proxy
