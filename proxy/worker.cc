#include "proxy/worker.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "common/logging.h"
#include "proxy/session.h"

namespace bulwark::proxy {
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kAccessFlushBytes = 3500;  // below PIPE_BUF: a write to a pipe stays whole
constexpr auto kAccessFlushInterval = std::chrono::milliseconds(100);

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// An exception out of a connection's coroutine is a bug of ours (the request path reports
// errors by error_code); log it and let the other connections carry on.
void onSessionDone(std::exception_ptr error) {
  if (!error) {
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    log(LogArea::Proxy).error("connection ended by an unexpected exception: {}", e.what());
  }
}

// The coroutine's parameter, copied into its frame, keeps the session alive until it ends. (A
// capturing lambda would not: its captures die with the lambda object, before the coroutine.)
asio::awaitable<void> serveSession(std::shared_ptr<Session> session) {
  co_await session->run();
}

bool addressFree(asio::io_context& context, const tcp::endpoint& endpoint,
                 beast::error_code& ec) {
  tcp::acceptor probe(context);
  probe.open(endpoint.protocol(), ec);
  if (!ec) {
    probe.set_option(tcp::acceptor::reuse_address(true), ec);
    probe.bind(endpoint, ec);
  }
  beast::error_code ignored;
  probe.close(ignored);
  return !ec;
}

}  // namespace

Worker::Worker(size_t index, std::shared_ptr<const Runtime> runtime,
               std::shared_ptr<LineSink> access_log, GatewayState& state)
    : index_(index), runtime_(std::move(runtime)), access_log_(std::move(access_log)),
      state_(state),
      inspection_(runtime_->config.inspection, runtime_->alert_log, runtime_->inspection_stats) {
  inspection_.setRuleSet(runtime_->rule_set);
  for (const auto& cluster : runtime_->clusters) {
    pools_.push_back(std::make_unique<UpstreamPool>(*cluster, context_.get_executor()));
  }
}

Worker::~Worker() { stop(); }

void Worker::publishRuleSet(std::shared_ptr<const rules::RuleSet> rule_set,
                            std::function<void()> applied) {
  asio::post(context_, [this, rule_set = std::move(rule_set),
                        applied = std::move(applied)]() mutable {
    inspection_.setRuleSet(std::move(rule_set));
    applied();
  });
}

bool Worker::bind(const std::vector<uint16_t>& ports, std::string& error) {
  for (size_t i = 0; i < runtime_->listeners.size(); ++i) {
    const auto& listener = *runtime_->listeners[i];
    beast::error_code ec;
    const auto address = asio::ip::make_address(listener.config.address.host, ec);
    if (ec) {
      error = fmt::format("listener {}: address {}: {}", listener.config.name,
                          listener.config.address.host, ec.message());
      return false;
    }
    const uint16_t port = ports.at(i) != 0 ? ports[i] : listener.config.address.port;
    const tcp::endpoint endpoint(address, port);
    // SO_REUSEPORT would let this socket join one that another process (a second gateway, an
    // old one still running) holds, and the kernel would then split traffic between them. A
    // plain bind first proves the address is free.
    if (ports[i] == 0 && port != 0 && !addressFree(context_, endpoint, ec)) {
      error = fmt::format("listener {}: cannot listen on {}: {}", listener.config.name,
                          listener.config.address.toString(), ec.message());
      return false;
    }
    auto acceptor = std::make_unique<tcp::acceptor>(context_);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      acceptor->set_option(ReusePort(true), ec);
      acceptor->bind(endpoint, ec);
    }
    if (!ec) {
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      error = fmt::format("listener {}: cannot listen on {}: {}", listener.config.name,
                          listener.config.address.toString(), ec.message());
      return false;
    }
    acceptors_.push_back(std::move(acceptor));
  }
  return true;
}

uint16_t Worker::boundPort(size_t i) const { return acceptors_.at(i)->local_endpoint().port(); }

void Worker::start() {
  work_.emplace(context_.get_executor());
  for (size_t i = 0; i < acceptors_.size(); ++i) {
    asio::co_spawn(context_, acceptLoop(i), asio::detached);
  }
  thread_ = std::thread([this] {
    armAccessLogFlush();
    context_.run();
    flushAccessLog();
  });
}

asio::awaitable<void> Worker::acceptLoop(size_t listener_index) {
  const ListenerRuntime& listener = *runtime_->listeners[listener_index];
  tcp::acceptor& acceptor = *acceptors_[listener_index];
  while (acceptor.is_open()) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
      break;
    }
    if (ec) {
      // Out of file descriptors and the like: back off briefly instead of spinning.
      log(LogArea::Proxy).warn("accept failed listener={} error={}", listener.config.name,
                               ec.message());
      asio::steady_timer pause(context_, std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(*this, listener, std::move(socket));
    asio::co_spawn(context_, serveSession(std::move(session)), onSessionDone);
  }
}

void Worker::drain() {
  asio::post(context_, [this] {
    for (auto& acceptor : acceptors_) {
      beast::error_code ignored;
      acceptor->close(ignored);
    }
    // Copy: draining an idle session closes it, which may remove it from the set.
    const std::vector<Session*> sessions(sessions_.begin(), sessions_.end());
    for (Session* session : sessions) {
      session->drain();
    }
    for (auto& pool : pools_) {
      pool->closeIdle();
    }
    work_.reset();
  });
}

void Worker::stop() {
  if (thread_.joinable()) {
    context_.stop();
    thread_.join();
  }
}

void Worker::addSession(Session* session) {
  sessions_.insert(session);
  session_count_.store(sessions_.size());
}

void Worker::removeSession(Session* session) {
  sessions_.erase(session);
  session_count_.store(sessions_.size());
}

void Worker::logAccess(const AccessRecord& record) {
  if (!access_log_->enabled()) {
    return;
  }
  formatAccessRecord(record, access_buffer_);
  if (access_buffer_.size() >= kAccessFlushBytes) {
    flushAccessLog();
  }
}

void Worker::armAccessLogFlush() {
  if (!access_log_->enabled()) {
    return;
  }
  access_flush_timer_.expires_after(kAccessFlushInterval);
  access_flush_timer_.async_wait([this](beast::error_code ec) {
    if (ec) {
      return;
    }
    flushAccessLog();
    if (work_ || sessionCount() > 0) {
      armAccessLogFlush();
    }
  });
}

void Worker::flushAccessLog() noexcept {
  // Whole lines, at most one pipe buffer a write, so that lines of different workers never mix.
  std::string_view pending = access_buffer_;
  while (!pending.empty()) {
    size_t cut = pending.size();
    if (cut > kAccessFlushBytes) {
      const size_t last_newline = pending.rfind('\n', kAccessFlushBytes);
      cut = last_newline == std::string_view::npos ? pending.size() : last_newline + 1;
    }
    access_log_->write(pending.substr(0, cut));
    pending.remove_prefix(cut);
  }
  access_buffer_.clear();
}

}  // namespace bulwark::proxy
