#include "proxy/access_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/strings.h"

namespace bulwark::proxy {
void formatAccessRecord(const AccessRecord& r, std::string& out) {
  const auto since_epoch = r.start.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
  fmt::format_to(std::back_inserter(out), "{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}.{:06}Z\"",
                 fmt::gmtime(static_cast<std::time_t>(seconds.count())), micros);
  appendJsonField(out, "connection_id", r.connection_id);
  appendJsonField(out, "request_id", r.request_id);
  appendJsonField(out, "client_address", r.client_address);
  appendJsonField(out, "client_port", r.client_port);
  appendJsonField(out, "listener", r.listener);
  appendJsonField(out, "tenant", r.tenant);
  appendJsonField(out, "method", r.method);
  appendJsonField(out, "path", r.path);
  appendJsonField(out, "status", r.status);
  appendJsonField(out, "bytes_in", r.bytes_in);
  appendJsonField(out, "bytes_out", r.bytes_out);
  fmt::format_to(std::back_inserter(out), ",\"duration_ms\":{:.3f}", r.duration.count() / 1000.0);
  appendJsonField(out, "cluster", r.cluster);
  appendJsonField(out, "upstream", r.upstream);
  fmt::format_to(std::back_inserter(out), ",\"upstream_time_ms\":{:.3f}",
                 r.upstream_time.count() / 1000.0);
  appendJsonField(out, "tls_version", r.tls_version);
  appendJsonField(out, "tls_cipher", r.tls_cipher);
  appendJsonField(out, "sni", r.sni);
  if (!r.error.empty()) {
    appendJsonField(out, "error", r.error);
  }
  out += "}\n";
}

}  // namespace bulwark::proxy
