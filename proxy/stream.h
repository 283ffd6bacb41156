#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>
#include <utility>

namespace bulwark::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// A byte stream that is either clear-text TCP or TLS over TCP, chosen when it is made. It meets
// Asio's AsyncReadStream and AsyncWriteStream requirements, so Beast's HTTP reads and writes use
// it as they are; the session code is written once for both kinds of listener and upstream.
//
// Timeouts: `tcpStream().expires_after(d)` bounds every pending operation, TLS ones included.
// Used by one worker thread only.
class Stream {
public:
  using executor_type = asio::any_io_executor;

  explicit Stream(tcp::socket socket) : plain_(std::in_place, std::move(socket)) {}

  Stream(tcp::socket socket, asio::ssl::context& tls)
      : tls_(std::in_place, std::move(socket), tls) {}

  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  bool isTls() const noexcept { return tls_.has_value(); }

  // The TCP layer: its expiry bounds every pending operation, TLS ones included.
  beast::tcp_stream& tcpStream() noexcept {
    return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
  }

  // Valid only when isTls().
  beast::ssl_stream<beast::tcp_stream>& tls() noexcept { return *tls_; }
  SSL* nativeTls() noexcept { return tls_ ? tls_->native_handle() : nullptr; }

  executor_type get_executor() noexcept { return tcpStream().get_executor(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) {
            tls_->async_read_some(b, std::move(handler));
          } else {
            plain_->async_read_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) {
            tls_->async_write_some(b, std::move(handler));
          } else {
            plain_->async_write_some(b, std::move(handler));
          }
        },
        token, buffers);
  }

  // Closes the socket at once (no TLS close_notify): pending operations complete with
  // operation_aborted.
  void close() noexcept {
    beast::error_code ignored;
    tcpStream().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcpStream().socket().close(ignored);
  }

private:
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
};

}  // namespace bulwark::proxy
