#include "proxy/admin.h"

#include <fmt/format.h>

#include "common/stats.h"
#include "common/version.h"

namespace bulwark::proxy {
namespace http = boost::beast::http;
namespace {

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view queryOf(std::string_view target) {
  const size_t mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1);
}

std::string escapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

}  // namespace

SimpleHandler makeAdminHandler(const GatewayState& state, AdminActions actions) {
  return [&state, actions = std::move(actions)](const SimpleRequest& req,
                                                const boost::asio::ip::tcp::endpoint&) {
    const std::string_view path = pathOf(req.target());
    if (path == "/rules/reload") {
      if (req.method() != http::verb::post) {
        auto res = makeTextResponse(req, 405, "method not allowed\n");
        res.set(http::field::allow, "POST");
        return res;
      }
      auto [status, body] = actions.reload_rules();
      return makeTextResponse(req, status, std::move(body), "application/json");
    }
    const bool known =
        path == "/ready" || path == "/healthz" || path == "/stats" || path == "/rules";
    if (!known) {
      return makeTextResponse(req, 404, "not found\n");
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      auto res = makeTextResponse(req, 405, "method not allowed\n");
      res.set(http::field::allow, "GET, HEAD");
      return res;
    }
    if (path == "/rules") {
      return makeTextResponse(req, 200, actions.rules_json(), "application/json");
    }
    if (path == "/ready") {
      return state.draining ? makeTextResponse(req, 503, "draining\n")
                            : makeTextResponse(req, 200, "ready\n");
    }
    if (path == "/healthz") {
      return makeTextResponse(req, 200, "ok\n");
    }
    if (queryOf(req.target()) == "format=json") {
      return makeTextResponse(req, 200, Stats::global().renderJson(), "application/json");
    }
    return makeTextResponse(req, 200, Stats::global().renderPrometheus(),
                            "text/plain; version=0.0.4; charset=utf-8");
  };
}

SimpleHandler makeDemoHandler() {
  return [](const SimpleRequest& req, const boost::asio::ip::tcp::endpoint&) {
    if (pathOf(req.target()) == "/healthz") {
      return makeTextResponse(req, 200, "ok\n");
    }
    auto header = [&req](http::field name) {
      auto found = req.find(name);
      return found == req.end() ? std::string("-") : escapeHtml(found->value());
    };
    std::string page = fmt::format(
        "<!doctype html>\n<html><head><title>Bulwark demo upstream</title></head><body>\n"
        "<h1>Served through Bulwark {}</h1>\n"
        "<p>This page comes from the built-in demo upstream behind the gateway.</p>\n<ul>\n"
        "<li>method: {}</li>\n<li>path: {}</li>\n<li>host: {}</li>\n"
        "<li>X-Forwarded-For: {}</li>\n<li>X-Forwarded-Proto: {}</li>\n</ul>\n"
        "<p>Point <code>clusters</code> in your config at your web servers to replace it.</p>\n"
        "</body></html>\n",
        kVersion, escapeHtml(req.method_string()), escapeHtml(req.target()),
        header(http::field::host), escapeHtml(req["X-Forwarded-For"]),
        escapeHtml(req["X-Forwarded-Proto"]));
    return makeTextResponse(req, 200, std::move(page), "text/html; charset=utf-8");
  };
}

}  // namespace bulwark::proxy
