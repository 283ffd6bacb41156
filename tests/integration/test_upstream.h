#pragma once

// A small threaded HTTP/1.1 server of the tests' own, for what nginx will not do on demand:
// answer late, close without answering, reset in the middle of a header. It records every
// request (and the raw bytes) it received and echoes the body's size and SHA-256, reading
// Content-Length and chunked bodies as they stream in.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace bulwark::testing {

enum class UpstreamBehaviour {
  Echo,               // 200 describing the request (see TestUpstream)
  DelayedEcho,        // the same, after `delay`
  CloseWithoutAnswer, // read the request, then close the connection
  ResetMidHeader,     // read the request, send half a response header, then reset (RST)
};

// One request as the upstream received it. Header names are lower-cased.
struct UpstreamRequest {
  size_t connection = 0; // 1-based, in accept order
  std::string method;
  std::string target;
  std::multimap<std::string, std::string> headers;
  bool chunked = false;
  uint64_t body_bytes = 0;
  std::string body_sha256;

  std::string header(const std::string& lower_name) const;
};

// Echo answers 200 with `X-Upstream: <name>` and a text body of `key=value` lines:
// upstream, method, target, body_bytes, body_sha256; parseEcho() reads it back.
class TestUpstream {
public:
  explicit TestUpstream(std::string name, UpstreamBehaviour behaviour = UpstreamBehaviour::Echo,
                        Millis delay = Millis(0));
  ~TestUpstream();
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  const std::string& name() const { return name_; }
  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  std::vector<UpstreamRequest> requests() const;
  size_t connectionCount() const { return connections_.load(); }

  // Every byte received, over all connections in arrival order (at most the first 8 MiB).
  std::string rawBytes() const;

  // Waits until at least `count` requests were received.
  bool waitForRequests(size_t count, Millis timeout = std::chrono::seconds(5)) const;

private:
  void acceptLoop();
  void serveConnection(int fd, size_t connection);
  bool serveRequest(int fd, size_t connection, std::string& buffer);
  bool readMore(int fd, std::string& buffer);
  bool readBody(int fd, std::string& buffer, UpstreamRequest& req);
  bool readChunkedBody(int fd, std::string& buffer, UpstreamRequest& req, Sha256& sha);
  bool readLine(int fd, std::string& buffer, std::string& line);
  bool writeAll(int fd, std::string_view bytes);
  void answer(int fd, const UpstreamRequest& req);

  const std::string name_;
  const UpstreamBehaviour behaviour_;
  const Millis delay_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> connections_{0};

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<UpstreamRequest> requests_;
  std::string raw_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// The key=value lines of an Echo body.
std::map<std::string, std::string> parseEcho(const std::string& body);

} // namespace bulwark::testing
