#pragma once

// The inspection stages of the filter chain: IP lists at accept, domain lists and tls.sni
// signatures at the handshake, then per request the Host and URL lists, domain fronting and the
// signatures on the head and, chunk by chunk, on the body. Verdicts are logged as EVE alert
// lines and counted.

#include <memory>
#include <string>
#include <string_view>

#include "common/line_sink.h"
#include "common/stats.h"
#include "config/config.h"
#include "filters/alert_log.h"
#include "rules/inspector.h"
#include "rules/rule_set.h"

namespace bulwark::filters {

// The counters of inspection, shared by all workers (`ips.*`, `lists.*`).
struct InspectionStats {
  InspectionStats();

  Counter& rq_inspected;
  Counter& rq_alerted;     // at least one alert logged
  Counter& rq_rejected;    // 403
  Counter& rq_dropped;     // closed without an answer
  Counter& rq_would_block; // detect mode: a drop or reject that was only logged
  Counter& scan_error;
  Counter& body_over_limit;
  Counter& list_rejected;   // domain, URL or IP list entries that refused
  Counter& sni_rejected;    // handshakes refused by a domain list or a tls.sni rule
  Counter& ip_rejected;     // connections refused by an IP list
  Counter& domain_fronting; // SNI and Host named different hosts
  Counter& alerts_suppressed; // alerts past the per-request cap, counted but not logged
};

// What the proxy knows of the downstream connection. Views must outlive each call.
struct ConnectionFacts {
  uint64_t id = 0;
  std::string_view listener;
  std::string_view client_address;
  uint16_t client_port = 0;
  std::string_view local_address;
  uint16_t local_port = 0;
  rules::Endpoint client;
  rules::Endpoint local;
  std::string_view sni;      // as the client sent it, for the alert log
  std::string_view sni_host; // normalised once (rules::normalizeHost), for matching
};

// Per-connection inspection state, reused from request to request.
struct InspectionState {
  rules::FlowState flow;
  rules::RequestInspection request;
  std::string_view tenant;
};

// One per worker; every call runs on that worker's thread and never blocks or throws.
class InspectionStage {
public:
  // `alerts` may be a disabled sink (alert_log off); stats are shared.
  InspectionStage(const config::Inspection& config, std::shared_ptr<LineSink> alerts,
                  const InspectionStats& stats);

  // The rule set new connections and requests use; requests in flight keep theirs.
  void setRuleSet(std::shared_ptr<const rules::RuleSet> rule_set);
  const std::shared_ptr<const rules::RuleSet>& ruleSet() const noexcept { return rule_set_; }

  // At accept: the IP lists. Reject and Drop both mean "close now".
  rules::Decision checkClient(const ConnectionFacts& connection);

  // After the handshake: domain lists on the SNI, and tls.sni signatures.
  rules::Decision checkHandshake(const ConnectionFacts& connection);

  // The request head, after routing. Reject: answer 403; Drop: close without an answer.
  rules::Decision checkRequest(const ConnectionFacts& connection, const rules::RequestView& request,
                               InspectionState& state);

  // Whether checkBody needs calling for the current request.
  bool inspectsBody(const InspectionState& state) const noexcept;

  // A body chunk before it is forwarded; `last` at the end of the body. Reject or Drop: the
  // chunk must not be forwarded and the upstream request is to be aborted.
  rules::Decision checkBody(const ConnectionFacts& connection, const rules::RequestView& request,
                            std::string_view chunk, bool last, InspectionState& state);

private:
  // What an alert line is about. The AlertContext is only built when a line is written, so a
  // request that raises nothing costs no clock read and no header lookup.
  struct AlertSubject {
    const ConnectionFacts& connection;
    const rules::RequestView* request = nullptr;
    std::string_view tenant;
  };

  AlertContext alertContext(const AlertSubject& subject) const;
  rules::Decision applyListVerdict(const rules::ListVerdict& verdict, std::string_view kind,
                                   std::string_view matched, const AlertSubject& subject);
  // Counts a scan error and writes the alert lines of a head or handshake inspection.
  rules::Decision finishSignatures(const rules::RequestInspection& inspection,
                                   const AlertSubject& subject);
  // Writes the alert lines of the hits from `first_hit` on, and of a refusal no rule decided
  // (a failed scan, a body over the limit) when `newly_refused`.
  void writeHitAlerts(const rules::RequestInspection& inspection, size_t first_hit,
                      bool newly_refused, const AlertSubject& subject);
  void writeAlerts();

  rules::InspectorOptions options_;
  config::DomainFronting domain_fronting_;
  std::shared_ptr<const rules::RuleSet> rule_set_;
  rules::Inspector inspector_;
  std::shared_ptr<LineSink> alerts_;
  const InspectionStats& stats_;
  std::string alert_lines_;
};

} // namespace bulwark::filters
