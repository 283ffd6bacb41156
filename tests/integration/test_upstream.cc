#include "tests/integration/test_upstream.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/strings.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

constexpr size_t kRawLimit = 8 << 20;
constexpr int kPollMs = 50;

// SO_LINGER with a zero timeout makes the coming close() send RST instead of FIN.
void armReset(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
}

std::string echoBody(const std::string& name, const UpstreamRequest& req) {
  return fmt::format("upstream={}\nmethod={}\ntarget={}\nbody_bytes={}\nbody_sha256={}\n", name,
                     req.method, req.target, req.body_bytes, req.body_sha256);
}

// Parses the request line and header fields of `head` (up to and without the blank line).
bool parseHead(const std::string& head, UpstreamRequest& req) {
  std::istringstream in(head);
  std::string line;
  std::getline(in, line);
  std::istringstream request_line(line);
  std::string version;
  request_line >> req.method >> req.target >> version;
  if (version.rfind("HTTP/1.", 0) != 0) {
    return false;
  }
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r") + 1);
    req.headers.emplace(toLowerAscii(line.substr(0, colon)), value);
  }
  return true;
}

} // namespace

std::string UpstreamRequest::header(const std::string& lower_name) const {
  const auto found = headers.find(lower_name);
  return found == headers.end() ? std::string() : found->second;
}

TestUpstream::TestUpstream(std::string name, UpstreamBehaviour behaviour, Millis delay)
    : name_(std::move(name)), behaviour_(behaviour), delay_(delay) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("TestUpstream: " + std::string(std::strerror(errno)));
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

TestUpstream::~TestUpstream() {
  stopping_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    t.join();
  }
}

void TestUpstream::acceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) {
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    // A send timeout lets a writer blocked on a stalled peer notice the upstream stopping.
    timeval timeout{0, 100 * 1000};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    const size_t connection = ++connections_;
    std::lock_guard lock(mutex_);
    threads_.emplace_back([this, fd, connection] { serveConnection(fd, connection); });
  }
}

void TestUpstream::serveConnection(int fd, size_t connection) {
  std::string buffer;
  while (!stopping_ && serveRequest(fd, connection, buffer)) {
  }
  ::close(fd);
}

// Serves one request; false when the connection must end (the caller closes it).
bool TestUpstream::serveRequest(int fd, size_t connection, std::string& buffer) {
  size_t end = std::string::npos;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!readMore(fd, buffer)) {
      return false;
    }
  }
  UpstreamRequest req;
  req.connection = connection;
  const bool parsed = parseHead(buffer.substr(0, end), req);
  buffer.erase(0, end + 4);
  if (!parsed) {
    writeAll(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return false;
  }
  if (iequals(req.header("expect"), "100-continue")) {
    writeAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
  }
  const bool body_ok = readBody(fd, buffer, req);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(req);
  }
  changed_.notify_all();
  if (!body_ok) {
    return false;
  }
  answer(fd, req);
  return behaviour_ == UpstreamBehaviour::Echo || behaviour_ == UpstreamBehaviour::DelayedEcho
             ? !iequals(req.header("connection"), "close")
             : false;
}

void TestUpstream::answer(int fd, const UpstreamRequest& req) {
  switch (behaviour_) {
  case UpstreamBehaviour::DelayedEcho:
    for (auto waited = 0ms; waited < delay_ && !stopping_; waited += 10ms) {
      sleepFor(10ms);
    }
    [[fallthrough]];
  case UpstreamBehaviour::Echo: {
    const std::string body = echoBody(name_, req);
    writeAll(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: {}\r\n"
                             "Content-Length: {}\r\n\r\n{}",
                             name_, body.size(), body));
    return;
  }
  case UpstreamBehaviour::CloseWithoutAnswer:
    return; // serveConnection closes it
  case UpstreamBehaviour::ResetMidHeader:
    writeAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/pl");
    sleepFor(20ms);
    armReset(fd);
    return;
  }
}

bool TestUpstream::readMore(int fd, std::string& buffer) {
  std::array<char, 64 * 1024> chunk{};
  while (!stopping_) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready == 0 || (ready < 0 && errno == EINTR)) {
      continue;
    }
    const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk.data(), static_cast<size_t>(n));
    std::lock_guard lock(mutex_);
    if (raw_.size() < kRawLimit) {
      raw_.append(chunk.data(), std::min(static_cast<size_t>(n), kRawLimit - raw_.size()));
    }
    return true;
  }
  return false;
}

bool TestUpstream::readBody(int fd, std::string& buffer, UpstreamRequest& req) {
  Sha256 sha;
  req.chunked = toLowerAscii(req.header("transfer-encoding")).find("chunked") != std::string::npos;
  if (req.chunked) {
    const bool ok = readChunkedBody(fd, buffer, req, sha);
    req.body_sha256 = sha.hexDigest();
    return ok;
  }
  const std::string length = req.header("content-length");
  uint64_t left = length.empty() ? 0 : std::stoull(length);
  while (left > 0) {
    if (buffer.empty() && !readMore(fd, buffer)) {
      req.body_sha256 = sha.hexDigest();
      return false;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
    sha.update(std::string_view(buffer).substr(0, take));
    buffer.erase(0, take);
    left -= take;
    req.body_bytes += take;
  }
  req.body_sha256 = sha.hexDigest();
  return true;
}

bool TestUpstream::readChunkedBody(int fd, std::string& buffer, UpstreamRequest& req, Sha256& sha) {
  for (;;) {
    std::string line;
    if (!readLine(fd, buffer, line)) {
      return false;
    }
    uint64_t left = std::stoull(line, nullptr, 16);
    if (left == 0) {
      // Trailer fields, if any, end with an empty line.
      while (readLine(fd, buffer, line)) {
        if (line.empty()) {
          return true;
        }
      }
      return false;
    }
    while (left > 0) {
      if (buffer.empty() && !readMore(fd, buffer)) {
        return false;
      }
      const size_t take = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
      sha.update(std::string_view(buffer).substr(0, take));
      buffer.erase(0, take);
      left -= take;
      req.body_bytes += take;
    }
    if (!readLine(fd, buffer, line) || !line.empty()) {
      return false;
    }
  }
}

bool TestUpstream::readLine(int fd, std::string& buffer, std::string& line) {
  size_t end = std::string::npos;
  while ((end = buffer.find("\r\n")) == std::string::npos) {
    if (!readMore(fd, buffer)) {
      return false;
    }
  }
  line = buffer.substr(0, end);
  buffer.erase(0, end + 2);
  return true;
}

bool TestUpstream::writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty() && !stopping_) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return bytes.empty();
}

std::vector<UpstreamRequest> TestUpstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::string TestUpstream::rawBytes() const {
  std::lock_guard lock(mutex_);
  return raw_;
}

bool TestUpstream::waitForRequests(size_t count, Millis timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

std::map<std::string, std::string> parseEcho(const std::string& body) {
  std::map<std::string, std::string> out;
  for (const auto& line : splitLines(body)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) {
      out[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return out;
}

} // namespace bulwark::testing
