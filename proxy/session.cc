#include "proxy/session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "common/logging.h"
#include "common/strings.h"
#include "proxy/headers.h"
#include "proxy/worker.h"

namespace bulwark::proxy {
namespace http = beast::http;
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kBodyChunk = Session::kBodyChunk;
constexpr size_t kFirstRead = 16 * 1024;
// How long and how much a lingering close reads and drops before it closes anyway.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 8 << 20;

Stream makeStream(const ListenerRuntime& listener, tcp::socket socket) {
  if (listener.tls) {
    return Stream(std::move(socket), listener.tls->context());
  }
  return Stream(std::move(socket));
}

}  // namespace

bool peerClosed(const beast::error_code& ec) noexcept {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

std::string_view connectionStateName(ConnectionState state) noexcept {
  switch (state) {
  case ConnectionState::TlsHandshake:
    return "tls_handshake";
  case ConnectionState::Idle:
    return "idle";
  case ConnectionState::ReadingRequest:
    return "reading_request";
  case ConnectionState::WaitingUpstream:
    return "waiting_upstream";
  case ConnectionState::WritingResponse:
    return "writing_response";
  case ConnectionState::Draining:
    return "draining";
  }
  return "unknown";
}

Session::Session(Worker& worker, const ListenerRuntime& listener, tcp::socket socket)
    : worker_(worker), listener_(listener), runtime_(worker.runtime()),
      stream_(makeStream(listener, std::move(socket))), id_(worker.nextConnectionId()),
      header_deadline_(stream_.get_executor()), body_buffer_(new char[kBodyChunk]) {
  beast::error_code ec;
  const auto peer = stream_.tcpStream().socket().remote_endpoint(ec);
  if (!ec) {
    client_address_ = peer.address().to_string();
    client_port_ = peer.port();
  }
  fillConnectionFacts();
  listener_.stats.cx_total.inc();
  listener_.stats.cx_active.add();
  worker_.addSession(this);
}

Session::~Session() {
  listener_.stats.cx_active.sub();
  worker_.removeSession(this);
}

namespace {

rules::Endpoint toEndpoint(const tcp::endpoint& endpoint) {
  rules::Endpoint out;
  const auto address = endpoint.address();
  const auto bytes =
      address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()).to_bytes()
                      : address.to_v6().to_bytes();
  std::copy(bytes.begin(), bytes.end(), out.address);
  out.port = endpoint.port();
  return out;
}

using rules::blocks;

} // namespace

void Session::fillConnectionFacts() {
  beast::error_code ec;
  auto& socket = stream_.tcpStream().socket();
  const auto peer = socket.remote_endpoint(ec);
  if (!ec) {
    facts_.client = toEndpoint(peer);
  }
  const auto local = socket.local_endpoint(ec);
  if (!ec) {
    local_address_ = local.address().to_string();
    facts_.local = toEndpoint(local);
    facts_.local_port = local.port();
  }
  facts_.id = id_;
  facts_.listener = listener_.config.name;
  facts_.client_address = client_address_;
  facts_.client_port = client_port_;
  facts_.local_address = local_address_;
}

void Session::drain() noexcept {
  drain_requested_ = true;
  if (state_ == ConnectionState::Idle || state_ == ConnectionState::TlsHandshake) {
    stream_.close();
  }
}

asio::awaitable<void> Session::run() {
  log(LogArea::Proxy).debug("[C{}] accepted listener={} client={}:{}", id_,
                            listener_.config.name, client_address_, client_port_);
  // The IP lists refuse a client before a byte of it is read.
  if (blocks(worker_.inspection().checkClient(facts_))) {
    log(LogArea::Filters).debug("[C{}] refused by ip list client={}", id_, client_address_);
    stream_.close();
    co_return;
  }
  // co_await is kept out of conditions and operators on purpose: GCC 12 miscompiles some
  // coroutine suspensions inside `&&`, `?:` and loop conditions.
  if (stream_.isTls()) {
    const bool handshake_done = co_await handshake();
    if (!handshake_done) {
      stream_.close();
      co_return;
    }
    // TODO(tls): refuse a listed SNI inside the handshake (a ClientHello callback answering
    // unrecognized_name) rather than closing right after it; until then the client completes
    // a handshake but never gets to send a request.
    facts_.sni = sni_;
    sni_host_ = rules::normalizeHost(sni_);
    facts_.sni_host = sni_host_;
    if (blocks(worker_.inspection().checkHandshake(facts_))) {
      log(LogArea::Filters).debug("[C{}] refused by sni policy sni={}", id_, sni_);
      stream_.close();
      co_return;
    }
  }
  for (;;) {
    const Next next = co_await serveRequest();
    if (next != Next::KeepAlive) {
      break;
    }
  }
  state_ = ConnectionState::Draining;
  if (linger_) {
    co_await lingeringClose();
  }
  stream_.close();
}

// A response that refused a request whose body the client is still sending: closing at once
// would make the kernel answer the unread bytes with a reset, which can reach the client before
// it reads the response. So the write side shuts (the client sees the end of the response),
// and whatever still arrives is read and dropped for a short while.
asio::awaitable<void> Session::lingeringClose() {
  beast::error_code ignored;
  auto& raw = stream_.tcpStream();
  raw.socket().shutdown(tcp::socket::shutdown_send, ignored);
  const auto deadline = std::chrono::steady_clock::now() + kLingerTime;
  size_t discarded = 0;
  while (discarded < kLingerBytes) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      break;
    }
    raw.expires_after(left);
    auto [ec, n] =
        co_await raw.async_read_some(asio::buffer(body_buffer_.get(), kBodyChunk), kNoThrow);
    if (ec) {
      break;
    }
    discarded += n;
  }
}

asio::awaitable<bool> Session::handshake() {
  state_ = ConnectionState::TlsHandshake;
  stream_.tcpStream().expires_after(listener_.config.tls->handshake_timeout);
  auto [ec] = co_await stream_.tls().async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (ec) {
    (ec == beast::error::timeout ? listener_.stats.cx_tls_handshake_timeout
                                 : listener_.stats.cx_tls_handshake_error)
        .inc();
    log(LogArea::Tls).debug("[C{}] tls handshake failed client={} error={}", id_,
                            client_address_, ec.message());
    co_return false;
  }
  const auto info = tls::handshakeInfo(stream_.nativeTls());
  tls_version_ = info.version;
  tls_cipher_ = info.cipher;
  sni_ = info.sni;
  co_return true;
}

asio::awaitable<Session::Next> Session::serveRequest() {
  // Between requests the connection is idle: it waits for the first byte under idle_timeout.
  // Once a request has begun, its whole header must arrive within request_header_timeout.
  // During the drain delay requests are still served (the layer-4 balancer has not noticed
  // /ready yet), each answered with Connection: close; once the listeners close, an idle
  // connection ends here.
  state_ = ConnectionState::Idle;
  if (drain_requested_) {
    co_return Next::Close;
  }
  if (buffer_.size() == 0) {
    stream_.tcpStream().expires_after(runtime_.config.limits.idle_timeout);
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstRead), kNoThrow);
    if (ec || n == 0) {
      co_return Next::Close;
    }
    buffer_.commit(n);
  }

  state_ = ConnectionState::ReadingRequest;
  request_start_ = std::chrono::system_clock::now();
  request_clock_ = std::chrono::steady_clock::now();
  upstream_time_ = {};
  bytes_in_ = bytes_out_ = 0;
  tenant_ = cluster_name_ = error_ = {};
  upstream_address_.clear();
  ++requests_;
  co_return co_await readRequestHeader();
}

asio::awaitable<Session::Next> Session::readRequestHeader() {
  const auto& limits = runtime_.config.limits;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(limits.max_request_header_bytes));
  parser_->body_limit(limits.max_request_body_bytes);

  // The header deadline is a timer of our own rather than the stream's expiry, which would close
  // the socket and leave no way to answer 408. The generation check keeps a timer that fired just
  // as the header arrived from cancelling a later operation.
  const uint64_t generation = ++header_generation_;
  header_timed_out_ = false;
  header_deadline_.expires_after(limits.request_header_timeout);
  header_deadline_.async_wait([weak = weak_from_this(), generation](beast::error_code ec) {
    auto self = weak.lock();
    if (!ec && self && self->header_generation_ == generation) {
      self->header_timed_out_ = true;
      beast::error_code ignored;
      self->stream_.tcpStream().socket().cancel(ignored);
    }
  });
  stream_.tcpStream().expires_never();
  auto [ec, n] = co_await http::async_read_header(stream_, buffer_, *parser_, kNoThrow);
  ++header_generation_;
  header_deadline_.cancel();
  bytes_in_ += n;
  const bool timed_out = header_timed_out_;

  if (timed_out) {
    listener_.stats.rq_header_timeout.inc();
    co_return co_await respondLocally(408, "request header timeout", true);
  }
  if (ec == http::error::header_limit) {
    listener_.stats.rq_header_too_large.inc();
    co_return co_await respondLocally(431, "request header too large", true);
  }
  if (ec == http::error::body_limit) {
    listener_.stats.rq_body_too_large.inc();
    co_return co_await respondLocally(413, "request body too large", true);
  }
  if (ec && peerClosed(ec)) {
    co_return Next::Close;
  }
  if (ec) {
    listener_.stats.rq_malformed.inc();
    log(LogArea::Proxy).debug("[C{}] malformed request error={}", id_, ec.message());
    co_return co_await respondLocally(400, "malformed request", true);
  }
  const auto& fields = parser_->get();
  if (static_cast<size_t>(std::distance(fields.begin(), fields.end())) >
      limits.max_request_headers) {
    listener_.stats.rq_header_too_large.inc();
    co_return co_await respondLocally(431, "too many request headers", true);
  }
  co_return co_await handleRequest();
}

asio::awaitable<Session::Next> Session::handleRequest() {
  auto& req = parser_->get();
  listener_.stats.rq_total.inc();

  // Exactly one Host header; HTTP/1.1 requires it (RFC 9112 3.2).
  const size_t host_count = req.count(http::field::host);
  if (host_count > 1 || (host_count == 0 && req.version() >= 11)) {
    listener_.stats.rq_malformed.inc();
    co_return co_await respondLocally(400, "missing or repeated host", true);
  }
  host_.clear();
  if (host_count == 1) {
    host_ = rules::normalizeHost(req[http::field::host]);
    if (host_.empty()) {
      listener_.stats.rq_malformed.inc();
      co_return co_await respondLocally(400, "invalid host", true);
    }
  }
  if (listener_.config.redirect_to_https) {
    co_return co_await redirectToHttps();
  }

  // Route on the path as the web server will read it, never on the bytes as sent.
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto verdict = rules::normalizePath(path, normalized_);
  if (verdict != rules::PathVerdict::Ok) {
    listener_.stats.rq_bad_path.inc();
    log(LogArea::Proxy).debug("[C{}] bad path verdict={}", id_, rules::pathVerdictName(verdict));
    co_return co_await respondLocally(400, rules::pathVerdictName(verdict), true);
  }
  // Double encoding and overlong UTF-8 have no honest use in a path; the only reason to send
  // them is to be read one way here and another way by a server or a filter further on.
  if ((normalized_.anomalies & rules::kRejectedAnomalies) != 0) {
    listener_.stats.rq_bad_path.inc();
    co_return co_await respondLocally(400, "ambiguous path encoding", true);
  }
  const RouteTarget* route = listener_.router.match(host_, normalized_.path);
  if (route == nullptr) {
    listener_.stats.rq_no_route.inc();
    co_return co_await respondLocally(404, "no route", false);
  }
  tenant_ = route->tenant;
  const ClusterRuntime* cluster = runtime_.findCluster(route->cluster);
  if (cluster == nullptr) {
    co_return co_await respondLocally(503, "no cluster", false);
  }
  const std::optional<Next> refused = co_await inspectRequest();
  if (refused) {
    co_return *refused;
  }
  co_return co_await proxyRequest(*cluster);
}

asio::awaitable<std::optional<Session::Next>> Session::inspectRequest() {
  auto& req = parser_->get();
  header_fields_.clear();
  for (const auto& field : req) {
    header_fields_.push_back({field.name_string(), field.value()});
  }
  const std::string_view target = req.target();
  const auto question = target.find('?');
  request_view_ = {};
  request_view_.method = req.method_string();
  request_view_.target = target;
  request_view_.normalized_path = normalized_.path;
  request_view_.query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  request_view_.protocol = req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
  request_view_.host = host_;
  request_view_.headers = header_fields_;
  request_view_.sni = sni_;
  request_view_.path_anomalies = normalized_.anomalies;
  request_view_.client = facts_.client;
  request_view_.local = facts_.local;
  inspection_.tenant = tenant_;

  auto& stage = worker_.inspection();
  const auto decision = stage.checkRequest(facts_, request_view_, inspection_);
  inspect_body_ = stage.inspectsBody(inspection_);
  if (decision == rules::Decision::Drop) {
    error_ = "dropped by policy";
    finishRequest(0);
    co_return Next::Close;
  }
  if (decision == rules::Decision::Reject) {
    co_return co_await respondLocally(403, "blocked by policy", true);
  }
  co_return std::nullopt;
}

bool Session::inspectBodyChunk(std::string_view chunk, bool last) {
  if (!inspect_body_) {
    return true;
  }
  const auto decision =
      worker_.inspection().checkBody(facts_, request_view_, chunk, last, inspection_);
  if (!blocks(decision)) {
    return true;
  }
  inspect_body_ = false;
  return false;
}

asio::awaitable<Session::Next> Session::redirectToHttps() {
  listener_.stats.rq_redirected.inc();
  if (host_.empty()) {
    co_return co_await respondLocally(400, "missing host", true);
  }
  const uint16_t port = *listener_.config.redirect_to_https;
  std::string location = "https://" + host_;
  if (port != 443) {
    location += ":" + std::to_string(port);
  }
  location += parser_->get().target();

  state_ = ConnectionState::WritingResponse;
  http::response<http::empty_body> res{http::status::permanent_redirect, 11};
  res.set(http::field::server, "bulwark");
  res.set(http::field::location, location);
  const bool keep = parser_->is_done() && parser_->get().keep_alive() && !worker_.draining();
  res.keep_alive(keep);
  res.content_length(0);
  stream_.tcpStream().expires_after(runtime_.config.limits.idle_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, kNoThrow);
  bytes_out_ += n;
  finishRequest(308);
  co_return (ec || !keep) ? Next::Close : Next::KeepAlive;
}

asio::awaitable<Session::Next> Session::respondLocally(unsigned status, std::string_view reason,
                                                       bool close) {
  state_ = ConnectionState::WritingResponse;
  error_ = reason;
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "bulwark");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (listener_.tls && !listener_.config.tls->hsts.empty()) {
    res.set(http::field::strict_transport_security, listener_.config.tls->hsts);
  }
  res.body() = std::string(reason) + "\n";
  // A request whose body was not read cannot be followed by another on this connection.
  const bool keep = !close && parser_ && parser_->is_header_done() && parser_->is_done() &&
                    parser_->get().keep_alive() && !drain_requested_ && !worker_.draining();
  linger_ = !keep && parser_ && parser_->is_header_done() && !parser_->is_done();
  res.keep_alive(keep);
  res.prepare_payload();
  stream_.tcpStream().expires_after(runtime_.config.limits.idle_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, kNoThrow);
  bytes_out_ += n;
  finishRequest(status);
  co_return (ec || !keep) ? Next::Close : Next::KeepAlive;
}

std::string Session::upstreamTarget() const {
  const std::string_view target = parser_->get().target();
  std::string out = rules::encodePathForUpstream(normalized_.path);
  const size_t query = target.find('?');
  if (query != std::string_view::npos) {
    out += target.substr(query);
  }
  return out;
}

void Session::countStatus(unsigned status) noexcept {
  const auto& s = listener_.stats;
  switch (status / 100) {
  case 1:
    s.rq_1xx.inc();
    break;
  case 2:
    s.rq_2xx.inc();
    break;
  case 3:
    s.rq_3xx.inc();
    break;
  case 4:
    s.rq_4xx.inc();
    break;
  default:
    s.rq_5xx.inc();
    break;
  }
}

void Session::finishRequest(unsigned status) {
  countStatus(status);
  AccessRecord record;
  record.start = request_start_;
  record.connection_id = id_;
  record.request_id = requests_;
  record.client_address = client_address_;
  record.client_port = client_port_;
  record.listener = listener_.config.name;
  record.tenant = tenant_;
  if (parser_ && parser_->is_header_done()) {
    record.method = parser_->get().method_string();
    record.path = parser_->get().target();
  }
  record.status = status;
  record.bytes_in = bytes_in_;
  record.bytes_out = bytes_out_;
  record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - request_clock_);
  record.cluster = cluster_name_;
  record.upstream = upstream_address_;
  record.upstream_time = upstream_time_;
  record.tls_version = tls_version_;
  record.tls_cipher = tls_cipher_;
  record.sni = sni_;
  record.error = error_;
  worker_.logAccess(record);
}

}  // namespace bulwark::proxy
