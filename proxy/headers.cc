#include "proxy/headers.h"

#include "common/strings.h"

namespace bulwark::proxy {
namespace http = boost::beast::http;
namespace {

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Hop-by-hop in both directions, by name.
bool isHopByHop(http::field name) noexcept {
  switch (name) {
  case http::field::connection:
  case http::field::keep_alive:
  case http::field::proxy_connection:
  case http::field::te:
  case http::field::trailer:
  case http::field::transfer_encoding:
  case http::field::upgrade:
    return true;
  default:
    return false;
  }
}

// Names listed in any Connection header of `in` are hop-by-hop for this message too.
bool listedInConnection(const http::fields& in, std::string_view name) noexcept {
  const auto range = in.equal_range(http::field::connection);
  for (auto it = range.first; it != range.second; ++it) {
    if (connectionListsToken(it->value(), name)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool connectionListsToken(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return false;
}

void copyRequestHeaders(const http::fields& in, http::fields& out,
                        const ForwardedInfo& forwarded) {
  const bool has_connection = in.count(http::field::connection) > 0;
  std::string forwarded_for;
  for (const auto& f : in) {
    const http::field name = f.name();
    if (isHopByHop(name) || name == http::field::proxy_authorization ||
        name == http::field::expect) {
      continue;
    }
    if (iequals(f.name_string(), "x-forwarded-for")) {
      forwarded_for += forwarded_for.empty() ? "" : ", ";
      forwarded_for += trim(f.value());
      continue;
    }
    if (iequals(f.name_string(), "x-forwarded-proto") ||
        iequals(f.name_string(), "x-forwarded-port")) {
      continue;
    }
    if (has_connection && listedInConnection(in, f.name_string())) {
      continue;
    }
    out.insert(f.name_string(), f.value());
  }

  forwarded_for += forwarded_for.empty() ? "" : ", ";
  forwarded_for += forwarded.client_address;
  out.set("X-Forwarded-For", forwarded_for);
  out.set("X-Forwarded-Proto", forwarded.proto);
  out.set("X-Forwarded-Port", std::to_string(forwarded.port));
}

void copyResponseHeaders(const http::fields& in, http::fields& out) {
  const bool has_connection = in.count(http::field::connection) > 0;
  for (const auto& f : in) {
    const http::field name = f.name();
    if (isHopByHop(name) || name == http::field::proxy_authenticate) {
      continue;
    }
    if (has_connection && listedInConnection(in, f.name_string())) {
      continue;
    }
    out.insert(f.name_string(), f.value());
  }
}

}  // namespace bulwark::proxy
