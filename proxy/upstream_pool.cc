#include "proxy/upstream_pool.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/logging.h"

namespace bulwark::proxy {
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// An idle keep-alive connection must have nothing to read: end of stream means the upstream
// closed it, and bytes mean it sent something we never asked for. Either way it is unusable.
bool looksAlive(Stream& stream) noexcept {
  char byte = 0;
  const int fd = stream.tcpStream().socket().native_handle();
  const ssize_t got = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

std::string_view connectFailureReason(ConnectFailure failure) noexcept {
  switch (failure) {
  case ConnectFailure::None:
    return "none";
  case ConnectFailure::Refused:
    return "upstream connect failed";
  case ConnectFailure::Timeout:
    return "upstream connect timeout";
  case ConnectFailure::Tls:
    return "upstream tls handshake failed";
  }
  return "upstream unavailable";
}

UpstreamPool::UpstreamPool(const ClusterRuntime& cluster, asio::any_io_executor executor)
    : cluster_(cluster), executor_(std::move(executor)), idle_(cluster.addresses.size()) {}

size_t UpstreamPool::pickEndpoint() noexcept {
  const size_t chosen = next_ % cluster_.addresses.size();
  ++next_;
  return chosen;
}

std::unique_ptr<Stream> UpstreamPool::takeIdle(size_t endpoint, bool check_alive) noexcept {
  auto& idle = idle_[endpoint];
  while (!idle.empty()) {
    std::unique_ptr<Stream> stream = std::move(idle.back());
    idle.pop_back();
    if (!check_alive || looksAlive(*stream)) {
      cluster_.stats.upstream_cx_reused.inc();
      return stream;
    }
    stream->close();
  }
  return nullptr;
}

void UpstreamPool::release(size_t endpoint, std::unique_ptr<Stream> stream) noexcept {
  auto& idle = idle_[endpoint];
  if (idle.size() >= cluster_.config.max_idle_connections_per_endpoint) {
    stream->close();
    return;
  }
  stream->tcpStream().expires_never();
  idle.push_back(std::move(stream));
}

asio::awaitable<UpstreamPool::Connected> UpstreamPool::connect(size_t endpoint) {
  Connected result;
  const auto& address = cluster_.addresses[endpoint];
  tcp::socket socket(executor_);
  std::unique_ptr<Stream> stream = cluster_.tls
                                       ? std::make_unique<Stream>(std::move(socket),
                                                                  cluster_.tls->context())
                                       : std::make_unique<Stream>(std::move(socket));
  cluster_.stats.upstream_cx_total.inc();

  stream->tcpStream().expires_after(cluster_.config.connect_timeout);
  auto [ec] = co_await stream->tcpStream().async_connect(address, kNoThrow);
  if (ec) {
    const bool timed_out = ec == beast::error::timeout;
    (timed_out ? cluster_.stats.upstream_cx_connect_timeout
               : cluster_.stats.upstream_cx_connect_fail)
        .inc();
    result.failure = timed_out ? ConnectFailure::Timeout : ConnectFailure::Refused;
    log(LogArea::Proxy).debug("upstream connect failed cluster={} endpoint={} error={}",
                              cluster_.config.name,
                              cluster_.config.endpoints[endpoint].address.toString(),
                              ec.message());
    co_return result;
  }
  stream->tcpStream().socket().set_option(tcp::no_delay(true), ec);

  if (cluster_.tls) {
    const auto& host = cluster_.config.endpoints[endpoint].address.host;
    if (!cluster_.tls->prepare(stream->nativeTls(), host)) {
      cluster_.stats.upstream_cx_tls_error.inc();
      result.failure = ConnectFailure::Tls;
      co_return result;
    }
    auto [hs_ec] = co_await stream->tls().async_handshake(asio::ssl::stream_base::client, kNoThrow);
    if (hs_ec) {
      cluster_.stats.upstream_cx_tls_error.inc();
      result.failure = hs_ec == beast::error::timeout ? ConnectFailure::Timeout
                                                      : ConnectFailure::Tls;
      log(LogArea::Tls).warn("upstream tls handshake failed cluster={} endpoint={} error={}",
                             cluster_.config.name,
                             cluster_.config.endpoints[endpoint].address.toString(),
                             hs_ec.message());
      co_return result;
    }
  }
  stream->tcpStream().expires_never();
  result.stream = std::move(stream);
  co_return result;
}

void UpstreamPool::closeIdle() noexcept {
  for (auto& idle : idle_) {
    for (auto& stream : idle) {
      stream->close();
    }
    idle.clear();
  }
}

}  // namespace bulwark::proxy
