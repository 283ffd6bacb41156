#include "proxy/access_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/strings.h"

namespace bulwark::proxy {
namespace {

void field(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  appendJsonString(out, value);
}

void field(std::string& out, std::string_view name, uint64_t value) {
  fmt::format_to(std::back_inserter(out), ",\"{}\":{}", name, value);
}

}  // namespace

void formatAccessRecord(const AccessRecord& r, std::string& out) {
  const auto since_epoch = r.start.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
  fmt::format_to(std::back_inserter(out), "{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}.{:06}Z\"",
                 fmt::gmtime(static_cast<std::time_t>(seconds.count())), micros);
  field(out, "connection_id", r.connection_id);
  field(out, "request_id", r.request_id);
  field(out, "client_address", r.client_address);
  field(out, "client_port", r.client_port);
  field(out, "listener", r.listener);
  field(out, "tenant", r.tenant);
  field(out, "method", r.method);
  field(out, "path", r.path);
  field(out, "status", r.status);
  field(out, "bytes_in", r.bytes_in);
  field(out, "bytes_out", r.bytes_out);
  fmt::format_to(std::back_inserter(out), ",\"duration_ms\":{:.3f}", r.duration.count() / 1000.0);
  field(out, "cluster", r.cluster);
  field(out, "upstream", r.upstream);
  fmt::format_to(std::back_inserter(out), ",\"upstream_time_ms\":{:.3f}",
                 r.upstream_time.count() / 1000.0);
  field(out, "tls_version", r.tls_version);
  field(out, "tls_cipher", r.tls_cipher);
  field(out, "sni", r.sni);
  if (!r.error.empty()) {
    field(out, "error", r.error);
  }
  out += "}\n";
}

}  // namespace bulwark::proxy
