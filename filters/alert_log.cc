#include "filters/alert_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "common/strings.h"

namespace bulwark::filters {
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

// Everything before the "alert" object: time, addresses, the flow.
void openRecord(const AlertContext& context, std::string& out) {
  const auto since_epoch = context.time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
  fmt::format_to(std::back_inserter(out),
                 "{{\"timestamp\":\"{:%Y-%m-%dT%H:%M:%S}.{:06}+0000\",\"event_type\":\"alert\"",
                 fmt::gmtime(static_cast<std::time_t>(seconds.count())), micros);
  field(out, "src_ip", context.client_address);
  field(out, "src_port", context.client_port);
  field(out, "dest_ip", context.local_address);
  field(out, "dest_port", context.local_port);
  out += ",\"proto\":\"TCP\"";
  field(out, "app_proto", context.method.empty() ? "tls" : "http");
}

// Everything after the "alert" object: http, tls and our own fields.
void closeRecord(const AlertContext& context, std::string& out) {
  if (!context.method.empty()) {
    out += ",\"http\":{";
    out += "\"hostname\":";
    appendJsonString(out, context.host);
    field(out, "url", context.url);
    field(out, "http_method", context.method);
    field(out, "http_user_agent", context.user_agent);
    field(out, "protocol", context.protocol);
    if (context.status != 0) {
      field(out, "status", context.status);
    }
    out += "}";
  }
  if (!context.sni.empty()) {
    out += ",\"tls\":{\"sni\":";
    appendJsonString(out, context.sni);
    out += "}";
  }
  field(out, "listener", context.listener);
  field(out, "tenant", context.tenant);
  field(out, "connection_id", context.connection_id);
  fmt::format_to(std::back_inserter(out), ",\"rule_set\":{{\"version\":{},\"hash\":",
                 context.rule_set_version);
  appendJsonString(out, context.rule_set_hash);
  out += "}}\n";
}

}  // namespace

void formatAlert(const AlertContext& context, const rules::Signature& signature, bool blocked,
                 std::string& out) {
  openRecord(context, out);
  out += ",\"alert\":{\"action\":";
  appendJsonString(out, blocked ? "blocked" : "allowed");
  field(out, "gid", signature.gid);
  field(out, "signature_id", signature.sid);
  field(out, "rev", signature.rev);
  field(out, "signature", signature.msg);
  field(out, "category", signature.category);
  field(out, "severity", signature.priority);
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
      policy.line != 0 ? fmt::format("{} {}:{} {}", policy.kind, policy.source, policy.line,
                                     policy.detail)
                       : fmt::format("{} {} {}", policy.kind, policy.source, policy.detail);
  field(out, "signature", signature);
  field(out, "category", "Policy");
  out += ",\"severity\":2";
  out += ",\"policy\":{\"kind\":";
  appendJsonString(out, policy.kind);
  field(out, "source", policy.source);
  field(out, "line", policy.line);
  field(out, "matched", policy.detail);
  out += "}}";
  closeRecord(context, out);
}

}  // namespace bulwark::filters
