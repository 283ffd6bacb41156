#include "filters/alert_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/strings.h"

namespace bulwark::filters {
namespace {

// Everything before the "alert" object: time, addresses, the flow.
void openRecord(const AlertContext& context, std::string& out) {
  const auto since_epoch = context.time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
  fmt::format_to(std::back_inserter(out),
                 "{{\"timestamp\":\"{:%Y-%m-%dT%H:%M:%S}.{:06}+0000\",\"event_type\":\"alert\"",
                 fmt::gmtime(static_cast<std::time_t>(seconds.count())), micros);
  appendJsonField(out, "src_ip", context.client_address);
  appendJsonField(out, "src_port", context.client_port);
  appendJsonField(out, "dest_ip", context.local_address);
  appendJsonField(out, "dest_port", context.local_port);
  out += ",\"proto\":\"TCP\"";
  // At accept (IP lists) nothing has been read yet: the protocol is not known.
  const std::string_view app_proto =
      !context.method.empty() ? "http" : (!context.sni.empty() ? "tls" : "unknown");
  appendJsonField(out, "app_proto", app_proto);
}

// Everything after the "alert" object: http, tls and our own fields.
void closeRecord(const AlertContext& context, std::string& out) {
  if (!context.method.empty()) {
    out += ",\"http\":{";
    out += "\"hostname\":";
    appendJsonString(out, context.host);
    appendJsonField(out, "url", context.url);
    appendJsonField(out, "http_method", context.method);
    appendJsonField(out, "http_user_agent", context.user_agent);
    appendJsonField(out, "protocol", context.protocol);
    if (context.status != 0) {
      appendJsonField(out, "status", context.status);
    }
    out += "}";
  }
  if (!context.sni.empty()) {
    out += ",\"tls\":{\"sni\":";
    appendJsonString(out, context.sni);
    out += "}";
  }
  appendJsonField(out, "listener", context.listener);
  appendJsonField(out, "tenant", context.tenant);
  appendJsonField(out, "connection_id", context.connection_id);
  fmt::format_to(std::back_inserter(out),
                 ",\"rule_set\":{{\"version\":{},\"hash\":", context.rule_set_version);
  appendJsonString(out, context.rule_set_hash);
  out += "}}\n";
}

} // namespace

void formatAlert(const AlertContext& context, const rules::Signature& signature, bool blocked,
                 std::string& out) {
  openRecord(context, out);
  out += ",\"alert\":{\"action\":";
  appendJsonString(out, blocked ? "blocked" : "allowed");
  appendJsonField(out, "gid", signature.gid);
  appendJsonField(out, "signature_id", signature.sid);
  appendJsonField(out, "rev", signature.rev);
  appendJsonField(out, "signature", signature.msg);
  appendJsonField(out, "category", signature.category);
  appendJsonField(out, "severity", signature.priority);
  if (!signature.metadata.empty()) {
    // EVE groups metadata values by key: {"created_at": ["2010_07_30"], ...}.
    out += ",\"metadata\":{";
    bool first = true;
    for (size_t i = 0; i < signature.metadata.size(); ++i) {
      const auto& key = signature.metadata[i].first;
      bool seen = false;
      for (size_t j = 0; j < i; ++j) {
        seen = seen || signature.metadata[j].first == key;
      }
      if (seen) {
        continue;
      }
      out += first ? "" : ",";
      first = false;
      appendJsonString(out, key);
      out += ":[";
      bool first_value = true;
      for (size_t j = i; j < signature.metadata.size(); ++j) {
        if (signature.metadata[j].first == key) {
          out += first_value ? "" : ",";
          first_value = false;
          appendJsonString(out, signature.metadata[j].second);
        }
      }
      out += "]";
    }
    out += "}";
  }
  out += "}";
  closeRecord(context, out);
}

void formatPolicyAlert(const AlertContext& context, const PolicyAlert& policy, bool blocked,
                       std::string& out) {
  openRecord(context, out);
  out += ",\"alert\":{\"action\":";
  appendJsonString(out, blocked ? "blocked" : "allowed");
  out += ",\"gid\":0,\"signature_id\":0,\"rev\":0";
  const auto signature =
      policy.line != 0
          ? fmt::format("{} {}:{} {}", policy.kind, policy.source, policy.line, policy.detail)
          : fmt::format("{} {} {}", policy.kind, policy.source, policy.detail);
  appendJsonField(out, "signature", signature);
  appendJsonField(out, "category", "Policy");
  out += ",\"severity\":2";
  out += ",\"policy\":{\"kind\":";
  appendJsonString(out, policy.kind);
  appendJsonField(out, "source", policy.source);
  appendJsonField(out, "line", policy.line);
  appendJsonField(out, "matched", policy.detail);
  out += "}}";
  closeRecord(context, out);
}

} // namespace bulwark::filters
