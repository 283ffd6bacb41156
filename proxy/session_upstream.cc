// The upstream half of a session: choosing a connection, sending the request with its body
// streamed, and streaming the response back. Split from session.cc to keep each file readable.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <tuple>

#include "common/logging.h"
#include "common/strings.h"
#include "proxy/headers.h"
#include "proxy/session.h"
#include "proxy/worker.h"

namespace bulwark::proxy {
namespace http = beast::http;
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kBodyChunk = Session::kBodyChunk;
constexpr uint32_t kUpstreamHeaderLimit = 64 * 1024;
constexpr size_t kUpstreamReadBuffer = 32 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool expectsContinue(const http::fields& fields) {
  auto found = fields.find(http::field::expect);
  return found != fields.end() && iequals(found->value(), "100-continue");
}

// A pooled connection that fails like this before any response byte was most likely closed by
// the upstream while idle; the request never reached it.
bool staleConnectionError(const beast::error_code& ec) noexcept {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

std::chrono::microseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace

asio::awaitable<Session::Next> Session::proxyRequest(const ClusterRuntime& cluster) {
  cluster_name_ = cluster.config.name;
  UpstreamPool& pool = worker_.pool(cluster.index);
  auto& req = parser_->get();
  const bool has_body = !parser_->is_done();
  state_ = ConnectionState::WaitingUpstream;

  http::request<http::buffer_body> msg;
  msg.method_string(req.method_string());
  msg.target(upstreamTarget());
  msg.version(11);
  copyRequestHeaders(req, msg,
                     {client_address_, listener_.tls ? "https" : "http", listener_.bound.port()});
  if (has_body && req.chunked()) {
    msg.chunked(true);
  }

  const size_t endpoint = pool.pickEndpoint();
  upstream_address_ = cluster.config.endpoints[endpoint].address.toString();
  const auto upstream_start = std::chrono::steady_clock::now();
  bool sent_continue = false;

  // A pooled connection may have been closed by the upstream a moment ago; when that shows
  // before any byte of the request body left, the request is sent again on a new connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Stream> upstream =
        attempt == 0 ? pool.takeIdle(endpoint, /*check_alive=*/has_body) : nullptr;
    const bool reused = upstream != nullptr;
    if (!upstream) {
      auto connected = co_await pool.connect(endpoint);
      if (connected.failure != ConnectFailure::None) {
        upstream_time_ = since(upstream_start);
        const bool timeout = connected.failure == ConnectFailure::Timeout;
        (timeout ? listener_.stats.rq_upstream_timeout : listener_.stats.rq_upstream_failed).inc();
        co_return co_await respondLocally(timeout ? 504 : 503,
                                          connectFailureReason(connected.failure),
                                          !parser_->is_done());
      }
      upstream = std::move(connected.stream);
    }

    if (has_body && !sent_continue && expectsContinue(req)) {
      sent_continue = true;
      stream_.tcpStream().expires_after(runtime_.config.limits.idle_timeout);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kNoThrow);
      if (ec) {
        co_return Next::Close;
      }
    }

    http::request_serializer<http::buffer_body> sr{msg};
    msg.body().data = nullptr;
    msg.body().size = 0;
    msg.body().more = has_body;
    // Without a body the request is one write. With one, the header leaves together with the
    // first body chunk (one TLS record, one syscall, where the body is small).
    if (!has_body) {
      upstream->tcpStream().expires_after(runtime_.config.limits.upstream_response_timeout);
      auto [wec, wn] = co_await http::async_write(*upstream, sr, kNoThrow);
      if (wec && reused && staleConnectionError(wec)) {
        cluster.stats.upstream_cx_stale_retry.inc();
        continue;
      }
      if (wec) {
        cluster.stats.upstream_rq_reset.inc();
        listener_.stats.rq_upstream_failed.inc();
        co_return co_await respondLocally(502, "upstream write failed", false);
      }
    } else {
      const BodyOutcome body = co_await relayRequestBody(*upstream, msg, sr);
      if (body == BodyOutcome::ClientFailed) {
        co_return Next::Close;
      }
      if (body == BodyOutcome::UpstreamFailed) {
        cluster.stats.upstream_rq_reset.inc();
        listener_.stats.rq_upstream_failed.inc();
        co_return co_await respondLocally(502, "upstream write failed", true);
      }
      if (body != BodyOutcome::Sent) {
        co_return co_await respondWithBodyError(body);
      }
    }

    bool stale = false;
    bool reusable = false;
    const Next next = co_await relayResponse(*upstream, cluster, upstream_start,
                                             reused && !has_body, stale, reusable);
    if (stale) {
      cluster.stats.upstream_cx_stale_retry.inc();
      continue;
    }
    if (reusable) {
      pool.release(endpoint, std::move(upstream));
    } else {
      upstream->close();
    }
    co_return next;
  }
  listener_.stats.rq_upstream_failed.inc();
  co_return co_await respondLocally(502, "upstream closed the connection", !parser_->is_done());
}

asio::awaitable<Session::BodyOutcome> Session::relayRequestBody(
    Stream& upstream, http::request<http::buffer_body>& msg,
    http::request_serializer<http::buffer_body>& sr) {
  auto& parser = *parser_;
  for (;;) {
    if (!parser.is_done()) {
      parser.get().body().data = body_buffer_.get();
      parser.get().body().size = kBodyChunk;
      stream_.tcpStream().expires_after(runtime_.config.limits.idle_timeout);
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser, kNoThrow);
      bytes_in_ += n;
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      if (ec == http::error::body_limit) {
        co_return BodyOutcome::TooLarge;
      }
      if (ec == beast::error::timeout || (ec && peerClosed(ec))) {
        co_return BodyOutcome::ClientFailed;
      }
      if (ec) {
        co_return BodyOutcome::Malformed;
      }
      msg.body().data = body_buffer_.get();
      msg.body().size = kBodyChunk - parser.get().body().size;
      msg.body().more = !parser.is_done();
      if (msg.body().size == 0 && msg.body().more) {
        continue;  // only framing (a chunk header) was read: nothing to send yet
      }
    } else {
      msg.body().data = nullptr;
      msg.body().size = 0;
      msg.body().more = false;
    }
    // Inspected before it leaves: a refused chunk never reaches the upstream, and returning
    // closes the upstream connection, so the web server never holds the whole body.
    const std::string_view chunk(static_cast<const char*>(msg.body().data), msg.body().size);
    if (!inspectBodyChunk(chunk, !msg.body().more)) {
      co_return BodyOutcome::Blocked;
    }
    upstream.tcpStream().expires_after(runtime_.config.limits.upstream_response_timeout);
    auto [wec, wn] = co_await http::async_write(upstream, sr, kNoThrow);
    if (wec == http::error::need_buffer) {
      wec = {};
    }
    if (wec) {
      co_return BodyOutcome::UpstreamFailed;
    }
    if (sr.is_done()) {
      co_return BodyOutcome::Sent;
    }
  }
}

asio::awaitable<Session::Next> Session::respondWithBodyError(BodyOutcome outcome) {
  if (outcome == BodyOutcome::Blocked && inspection_.request.decision() == rules::Decision::Drop) {
    error_ = "dropped by policy";
    finishRequest(0);
    co_return Next::Close;
  }
  if (outcome == BodyOutcome::Blocked && inspection_.request.refusedOverLimit()) {
    listener_.stats.rq_body_too_large.inc();
    co_return co_await respondLocally(413, "request body over the inspection limit", true);
  }
  if (outcome == BodyOutcome::Blocked) {
    co_return co_await respondLocally(403, "blocked by policy", true);
  }
  if (outcome == BodyOutcome::TooLarge) {
    listener_.stats.rq_body_too_large.inc();
    co_return co_await respondLocally(413, "request body too large", true);
  }
  listener_.stats.rq_malformed.inc();
  co_return co_await respondLocally(400, "malformed request body", true);
}

asio::awaitable<Session::Next> Session::relayResponse(
    Stream& upstream, const ClusterRuntime& cluster,
    std::chrono::steady_clock::time_point upstream_start, bool may_be_stale, bool& stale,
    bool& reusable) {
  auto& req = parser_->get();
  upstream_buffer_.clear();
  // Beast reads as much as the buffer has room for; a buffer left at its first 512 bytes would
  // turn a large download into hundreds of thousands of small reads.
  upstream_buffer_.reserve(kUpstreamReadBuffer);

  // Interim 1xx answers (other than 101) are read past: the gateway answered Expect itself.
  std::optional<http::response_parser<http::buffer_body>> rp;
  for (;;) {
    rp.emplace();
    rp->header_limit(kUpstreamHeaderLimit);
    rp->body_limit(boost::none);
    rp->skip(req.method() == http::verb::head);
    upstream.tcpStream().expires_after(runtime_.config.limits.upstream_response_timeout);
    auto [ec, n] = co_await http::async_read_header(upstream, upstream_buffer_, *rp, kNoThrow);
    if (ec && may_be_stale && n == 0 && upstream_buffer_.size() == 0 &&
        staleConnectionError(ec)) {
      stale = true;
      co_return Next::Close;
    }
    if (ec) {
      upstream_time_ = since(upstream_start);
      const bool timeout = ec == beast::error::timeout;
      (timeout ? cluster.stats.upstream_rq_timeout : cluster.stats.upstream_rq_reset).inc();
      (timeout ? listener_.stats.rq_upstream_timeout : listener_.stats.rq_upstream_failed).inc();
      co_return co_await respondLocally(timeout ? 504 : 502,
                                        timeout ? "upstream timeout" : "bad upstream response",
                                        false);
    }
    const unsigned status = rp->get().result_int();
    if (status == 101) {
      listener_.stats.rq_upstream_failed.inc();
      co_return co_await respondLocally(502, "upstream protocol switch not supported", true);
    }
    if (status >= 200) {
      break;
    }
  }
  upstream_time_ = since(upstream_start);
  const auto& upstream_res = rp->get();
  const unsigned status = upstream_res.result_int();
  cluster.stats.upstream_rq_total.inc();
  if (status >= 500) {
    cluster.stats.upstream_rq_5xx.inc();
  }

  // The response header as the client gets it: end-to-end headers only, framing chosen here.
  state_ = ConnectionState::WritingResponse;
  http::response<http::buffer_body> res;
  res.result(status);
  res.reason(upstream_res.reason());
  res.version(11);
  copyResponseHeaders(upstream_res, res);
  bool keep = req.keep_alive() && !drain_requested_ && !worker_.draining();
  const bool body_expected = !rp->is_done();
  if (body_expected && !rp->content_length()) {
    if (req.version() >= 11) {
      res.chunked(true);
    } else {
      keep = false;  // an HTTP/1.0 client learns where the body ends when the connection closes
    }
  }
  res.keep_alive(keep);
  if (listener_.tls && !listener_.config.tls->hsts.empty() &&
      res.find(http::field::strict_transport_security) == res.end()) {
    res.set(http::field::strict_transport_security, listener_.config.tls->hsts);
  }

  http::response_serializer<http::buffer_body> sr{res};
  res.body().data = nullptr;
  res.body().size = 0;
  res.body().more = body_expected;
  // The header goes out with the first body chunk: for a small response whose body came in the
  // same read as its header, that is one TLS record and one syscall.
  for (;;) {
    if (!rp->is_done()) {
      rp->get().body().data = body_buffer_.get();
      rp->get().body().size = kBodyChunk;
      upstream.tcpStream().expires_after(runtime_.config.limits.upstream_response_timeout);
      auto [ec, n] = co_await http::async_read_some(upstream, upstream_buffer_, *rp, kNoThrow);
      if (ec == http::error::need_buffer) {
        ec = {};
      }
      if (ec && !sr.is_header_done()) {
        cluster.stats.upstream_rq_reset.inc();
        listener_.stats.rq_upstream_failed.inc();
        co_return co_await respondLocally(502, "bad upstream response", true);
      }
      if (ec) {
        // The status line is already with the client: all that is left is to cut the response
        // short so that it cannot mistake a truncated body for a whole one.
        cluster.stats.upstream_rq_reset.inc();
        error_ = "upstream body interrupted";
        finishRequest(status);
        co_return Next::Close;
      }
      res.body().data = body_buffer_.get();
      res.body().size = kBodyChunk - rp->get().body().size;
      res.body().more = !rp->is_done();
      if (res.body().size == 0 && res.body().more) {
        continue;  // only framing was read
      }
    } else {
      res.body().data = nullptr;
      res.body().size = 0;
      res.body().more = false;
    }
    stream_.tcpStream().expires_after(runtime_.config.limits.idle_timeout);
    auto [wec, wn] = co_await http::async_write(stream_, sr, kNoThrow);
    bytes_out_ += wn;
    if (wec == http::error::need_buffer) {
      wec = {};
    }
    if (wec) {
      finishRequest(status);
      co_return Next::Close;
    }
    if (sr.is_done()) {
      break;
    }
  }

  reusable = upstream_res.keep_alive() && rp->is_done() && upstream_buffer_.size() == 0;
  finishRequest(status);
  co_return keep ? Next::KeepAlive : Next::Close;
}

}  // namespace bulwark::proxy
