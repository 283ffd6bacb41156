#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace bulwark::proxy {

// One request as the access log records it. Views point into the session's own data and are
// valid only during formatAccessRecord.
struct AccessRecord {
  std::chrono::system_clock::time_point start;
  uint64_t connection_id = 0;
  uint64_t request_id = 0;  // position of the request on its connection, from 1
  std::string_view client_address;
  uint16_t client_port = 0;
  std::string_view listener;
  std::string_view tenant;
  std::string_view method;
  std::string_view path;  // as the client sent it, query included
  unsigned status = 0;
  uint64_t bytes_in = 0;   // request bytes read from the client (header and body)
  uint64_t bytes_out = 0;  // response bytes written to the client (header and body)
  std::chrono::microseconds duration{0};
  std::string_view cluster;
  std::string_view upstream;  // endpoint address; empty when no upstream was involved
  std::chrono::microseconds upstream_time{0};
  std::string_view tls_version;
  std::string_view tls_cipher;
  std::string_view sni;
  std::string_view error;  // why the gateway answered by itself, or empty
};

// Appends `record` to `out` as one JSON line (newline included).
void formatAccessRecord(const AccessRecord& record, std::string& out);

}  // namespace bulwark::proxy
