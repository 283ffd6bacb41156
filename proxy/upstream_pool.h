#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string_view>
#include <vector>

#include "proxy/runtime.h"
#include "proxy/stream.h"

namespace bulwark::proxy {

// Why a connection to an endpoint could not be had; each has its own counter and status.
enum class ConnectFailure { None, Refused, Timeout, Tls };

// A short fixed text for logs and local answers ("upstream connect timeout").
std::string_view connectFailureReason(ConnectFailure failure) noexcept;

// One worker's connections to the endpoints of one cluster: an idle pool per endpoint and a
// round-robin cursor. Owned and used by one worker thread only, so nothing here locks.
class UpstreamPool {
public:
  UpstreamPool(const ClusterRuntime& cluster, asio::any_io_executor executor);

  // The endpoint for the next request (round robin over the cluster's endpoints). `attempt`
  // > 0 asks for a different endpoint than the previous attempt when the cluster has several.
  size_t pickEndpoint() noexcept;

  // An idle connection to `endpoint`, or nullptr. With `check_alive`, a pooled connection the
  // upstream has closed (or sent unexpected bytes on) is discarded here, before any request is
  // written to it; that costs a syscall, so it is asked for only when a failed request could not
  // be resent (one whose body is streamed from the client).
  std::unique_ptr<Stream> takeIdle(size_t endpoint, bool check_alive) noexcept;

  // Returns a connection whose last exchange ended cleanly and that the upstream keeps alive.
  void release(size_t endpoint, std::unique_ptr<Stream> stream) noexcept;

  struct Connected {
    ConnectFailure failure = ConnectFailure::None;
    std::unique_ptr<Stream> stream;
  };

  // Opens a new connection to `endpoint` within the cluster's connect_timeout, with the TLS
  // handshake when the cluster re-encrypts. Never throws.
  asio::awaitable<Connected> connect(size_t endpoint);

  const ClusterRuntime& cluster() const noexcept { return cluster_; }

  // Closes every idle connection (drain, shutdown).
  void closeIdle() noexcept;

private:
  const ClusterRuntime& cluster_;
  asio::any_io_executor executor_;
  std::vector<std::vector<std::unique_ptr<Stream>>> idle_;  // per endpoint, newest last
  size_t next_ = 0;
};

}  // namespace bulwark::proxy
