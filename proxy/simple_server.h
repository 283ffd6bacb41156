#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <string>

#include "config/config.h"

namespace bulwark::proxy {

using SimpleRequest = boost::beast::http::request<boost::beast::http::string_body>;
using SimpleResponse = boost::beast::http::response<boost::beast::http::string_body>;
using SimpleHandler = std::function<SimpleResponse(const SimpleRequest&,
                                                   const boost::asio::ip::tcp::endpoint& peer)>;

// A small clear-text HTTP/1.1 server for the gateway's own endpoints (the admin API and the
// built-in demo upstream): whole requests of at most 1 MiB, one handler for all paths,
// keep-alive. Not for traffic: it runs on the control thread and buffers bodies.
class SimpleServer {
public:
  // `name` appears in logs. Call listen() then the io_context runs it.
  SimpleServer(boost::asio::io_context& context, std::string name, SimpleHandler handler);

  // Binds `address`. False and `error` set when it cannot.
  bool listen(const config::Address& address, std::string& error);

  // The bound port (resolves port 0).
  uint16_t port() const;

  void close();

private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& context_;
  std::string name_;
  SimpleHandler handler_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
};

// A response with a text body and the usual headers, keep-alive following the request.
SimpleResponse makeTextResponse(const SimpleRequest& req, unsigned status, std::string body,
                                std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace bulwark::proxy
