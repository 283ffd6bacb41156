#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "filters/inspection.h"
#include "proxy/access_log.h"
#include "proxy/runtime.h"
#include "proxy/stream.h"
#include "rules/normalize.h"

namespace bulwark::proxy {

class Worker;

// Where a downstream connection is in its life; shown by the connection table.
enum class ConnectionState {
  TlsHandshake,
  Idle,
  ReadingRequest,
  WaitingUpstream,
  WritingResponse,
  Draining
};

std::string_view connectionStateName(ConnectionState state) noexcept;

// True for errors that mean the peer went away (or the operation was cancelled) rather than sent
// something malformed.
bool peerClosed(const beast::error_code& ec) noexcept;

// One downstream connection: the TLS handshake when the listener has TLS, then HTTP/1.1
// requests one after another (keep-alive), each routed, sent to an upstream endpoint and its
// response streamed back. Bodies stream in both directions through one fixed buffer per
// direction; nothing buffers a whole body.
//
// Lives on one worker thread from accept to close; every member is touched by that thread only.
class Session : public std::enable_shared_from_this<Session> {
public:
  // The size of the one buffer a body passes through, in each direction.
  static constexpr size_t kBodyChunk = 64 * 1024;

  Session(Worker& worker, const ListenerRuntime& listener, tcp::socket socket);
  ~Session();

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Serves the connection until it closes. Never throws.
  asio::awaitable<void> run();

  // The gateway is draining: an idle connection closes now; a busy one after its response.
  void drain() noexcept;

  uint64_t id() const noexcept { return id_; }
  ConnectionState state() const noexcept { return state_; }

private:
  using RequestParser = beast::http::request_parser<beast::http::buffer_body>;

  // How one request ended, deciding whether the connection serves another.
  enum class Next { KeepAlive, Close };

  asio::awaitable<bool> handshake();
  asio::awaitable<void> lingeringClose();
  asio::awaitable<Next> serveRequest();
  asio::awaitable<Next> readRequestHeader();
  asio::awaitable<Next> handleRequest();
  asio::awaitable<Next> redirectToHttps();
  // How sending a request body to the upstream ended.
  enum class BodyOutcome { Sent, TooLarge, Malformed, ClientFailed, UpstreamFailed, Blocked };

  asio::awaitable<Next> proxyRequest(const ClusterRuntime& cluster);
  asio::awaitable<BodyOutcome> relayRequestBody(
      Stream& upstream, beast::http::request<beast::http::buffer_body>& msg,
      beast::http::request_serializer<beast::http::buffer_body>& sr);
  asio::awaitable<Next> respondWithBodyError(BodyOutcome outcome);
  asio::awaitable<Next> relayResponse(Stream& upstream, const ClusterRuntime& cluster,
                                      std::chrono::steady_clock::time_point upstream_start,
                                      bool may_be_stale, bool& stale, bool& reusable);
  asio::awaitable<Next> respondLocally(unsigned status, std::string_view reason, bool close);

  // Inspection of the request head; the verdict's answer when it refuses the request.
  asio::awaitable<std::optional<Next>> inspectRequest();
  // Inspection of one body chunk before it is forwarded; false when the request is refused.
  bool inspectBodyChunk(std::string_view chunk, bool last);
  void fillConnectionFacts();

  std::string upstreamTarget() const;
  void finishRequest(unsigned status);
  void countStatus(unsigned status) noexcept;

  Worker& worker_;
  const ListenerRuntime& listener_;
  const Runtime& runtime_;
  Stream stream_;
  uint64_t id_;
  ConnectionState state_ = ConnectionState::Idle;
  bool drain_requested_ = false;
  bool linger_ = false;  // a refused request's body is still arriving: close gently
  std::string client_address_;
  uint16_t client_port_ = 0;
  std::string tls_version_;
  std::string tls_cipher_;
  std::string sni_;

  asio::steady_timer header_deadline_;
  uint64_t header_generation_ = 0;
  bool header_timed_out_ = false;
  beast::flat_buffer buffer_;
  beast::flat_buffer upstream_buffer_;
  std::unique_ptr<char[]> body_buffer_;
  std::optional<RequestParser> parser_;
  rules::NormalizedPath normalized_;
  std::string host_;

  // What inspection sees: the connection, and views of the current request into parser_.
  std::string local_address_;
  std::string sni_host_; // the SNI normalised once, for the domain lists
  filters::ConnectionFacts facts_;
  filters::InspectionState inspection_;
  std::vector<rules::HeaderField> header_fields_;
  rules::RequestView request_view_;
  bool inspect_body_ = false;

  // The current request, for the access log.
  uint64_t requests_ = 0;
  std::chrono::system_clock::time_point request_start_;
  std::chrono::steady_clock::time_point request_clock_;
  std::chrono::microseconds upstream_time_{0};
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
  std::string_view tenant_;
  std::string_view cluster_name_;
  std::string upstream_address_;
  std::string_view error_;
};

}  // namespace bulwark::proxy
