#pragma once

// Alert lines in the shape of Suricata's EVE alert records, so that SIEM pipelines that read
// EVE read ours: one JSON object a line with event_type "alert".

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/signature.h"

namespace bulwark::filters {

// The request (or handshake) an alert is about. Views are valid only during formatAlert.
struct AlertContext {
  std::chrono::system_clock::time_point time;
  uint64_t connection_id = 0;
  std::string_view client_address;
  uint16_t client_port = 0;
  std::string_view local_address;
  uint16_t local_port = 0;
  std::string_view listener;
  std::string_view tenant;
  std::string_view host; // http.hostname; empty at the handshake
  std::string_view url;  // the target as sent
  std::string_view method;
  std::string_view user_agent;
  std::string_view protocol;
  unsigned status = 0; // the answer the gateway gave, 0 when not known or forwarded
  std::string_view sni;
  uint64_t rule_set_version = 0;
  std::string_view rule_set_hash;
};

// What the alert is about when no signature is: a domain, URL or IP list entry, or a policy.
struct PolicyAlert {
  std::string_view kind;   // "domain_list", "url_list", "ip_list", "domain_fronting", ...
  std::string_view source; // the list file, or the setting
  uint32_t line = 0;
  std::string_view detail; // the matched name, path or address
};

// "allowed" for alerts (and for blocks in detect mode), "blocked" when the request was refused.
void formatAlert(const AlertContext& context, const rules::Signature& signature, bool blocked,
                 std::string& out);
void formatPolicyAlert(const AlertContext& context, const PolicyAlert& policy, bool blocked,
                       std::string& out);

} // namespace bulwark::filters
