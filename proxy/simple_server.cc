#include "proxy/simple_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>

#include "common/logging.h"

namespace bulwark::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr uint64_t kMaxBody = 1 << 20;

}  // namespace

SimpleServer::SimpleServer(asio::io_context& context, std::string name, SimpleHandler handler)
    : context_(context), name_(std::move(name)), handler_(std::move(handler)) {}

bool SimpleServer::listen(const config::Address& address, std::string& error) {
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address.host, ec);
  if (ec) {
    error = fmt::format("{}: address {}: {}", name_, address.host, ec.message());
    return false;
  }
  const tcp::endpoint endpoint(ip, address.port);
  acceptor_ = std::make_unique<tcp::acceptor>(context_);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor_->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    error = fmt::format("{}: cannot listen on {}: {}", name_, address.toString(), ec.message());
    return false;
  }
  asio::co_spawn(context_, acceptLoop(), asio::detached);
  return true;
}

uint16_t SimpleServer::port() const { return acceptor_->local_endpoint().port(); }

void SimpleServer::close() {
  if (acceptor_) {
    beast::error_code ignored;
    acceptor_->close(ignored);
  }
}

asio::awaitable<void> SimpleServer::acceptLoop() {
  while (acceptor_->is_open()) {
    auto [ec, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (ec == asio::error::operation_aborted || !acceptor_->is_open()) {
      break;
    }
    if (!ec) {
      asio::co_spawn(context_, serve(std::move(socket)), asio::detached);
    }
  }
}

asio::awaitable<void> SimpleServer::serve(tcp::socket socket) {
  beast::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    stream.expires_after(kIdleTimeout);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (rec) {
      break;
    }
    SimpleResponse res;
    try {
      res = handler_(parser.get(), peer);
    } catch (const std::exception& e) {
      log(LogArea::Admin).error("{} handler failed: {}", name_, e.what());
      res = makeTextResponse(parser.get(), 500, "internal error\n");
    }
    const bool keep = res.keep_alive();
    auto [wec, wn] = co_await http::async_write(stream, res, kNoThrow);
    if (wec || !keep) {
      break;
    }
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

SimpleResponse makeTextResponse(const SimpleRequest& req, unsigned status, std::string body,
                                std::string_view content_type) {
  SimpleResponse res{static_cast<http::status>(status), req.version()};
  res.set(http::field::server, "bulwark");
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace bulwark::proxy
