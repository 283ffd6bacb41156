#include "filters/inspection.h"

#include "common/logging.h"
#include "common/strings.h"

namespace bulwark::filters {
namespace {

using rules::Decision;

using rules::blocks;

// The answer the proxy gives a refused request, for the alert line: 0 when it closes instead.
unsigned refusalStatus(const rules::RequestInspection& inspection) {
  if (inspection.decision() != Decision::Reject) {
    return 0;
  }
  return inspection.refusedOverLimit() ? 413 : 403;
}

std::string_view headerValue(const rules::RequestView& request, std::string_view name) {
  for (const auto& field : request.headers) {
    if (iequals(field.name, name)) {
      return field.value;
    }
  }
  return {};
}

} // namespace

InspectionStats::InspectionStats()
    : rq_inspected(Stats::global().counter("ips.rq_inspected", "requests inspected")),
      rq_alerted(Stats::global().counter("ips.rq_alerted", "requests with an alert logged")),
      rq_rejected(Stats::global().counter("ips.rq_rejected", "requests answered 403")),
      rq_dropped(Stats::global().counter("ips.rq_dropped", "requests closed without answer")),
      rq_would_block(Stats::global().counter("ips.rq_would_block",
                                             "detect mode: requests a block would have refused")),
      scan_error(Stats::global().counter("ips.scan_error", "scans that could not finish")),
      body_over_limit(Stats::global().counter("ips.body_over_limit",
                                              "bodies longer than body_inspection_limit")),
      list_rejected(Stats::global().counter("lists.rq_rejected", "requests refused by a list")),
      sni_rejected(Stats::global().counter("lists.sni_rejected", "handshakes refused")),
      ip_rejected(Stats::global().counter("lists.cx_rejected", "connections refused by IP")),
      domain_fronting(Stats::global().counter("ips.domain_fronting",
                                              "requests whose Host differs from the TLS SNI")),
      alerts_suppressed(Stats::global().counter("ips.alerts_suppressed",
                                                "alerts past the per-request cap, not logged")) {}

InspectionStage::InspectionStage(const config::Inspection& config, std::shared_ptr<LineSink> alerts,
                                 const InspectionStats& stats)
    : options_(rules::inspectorOptions(config)), domain_fronting_(config.domain_fronting),
      inspector_(options_), alerts_(std::move(alerts)), stats_(stats) {}

void InspectionStage::setRuleSet(std::shared_ptr<const rules::RuleSet> rule_set) {
  rule_set_ = std::move(rule_set);
}

AlertContext InspectionStage::alertContext(const AlertSubject& subject) const {
  const auto& connection = subject.connection;
  AlertContext context;
  context.time = std::chrono::system_clock::now();
  context.connection_id = connection.id;
  context.client_address = connection.client_address;
  context.client_port = connection.client_port;
  context.local_address = connection.local_address;
  context.local_port = connection.local_port;
  context.listener = connection.listener;
  context.tenant = subject.tenant;
  context.sni = connection.sni;
  if (const auto* request = subject.request) {
    context.host = request->host;
    context.url = request->target;
    context.method = request->method;
    context.protocol = request->protocol;
    context.user_agent = headerValue(*request, "user-agent");
  }
  if (rule_set_) {
    context.rule_set_version = rule_set_->version;
    context.rule_set_hash = rule_set_->hash;
  }
  return context;
}

void InspectionStage::writeHitAlerts(const rules::RequestInspection& inspection, size_t first_hit,
                                     bool newly_refused, const AlertSubject& subject) {
  const auto hits = inspection.hits();
  if (hits.size() <= first_hit && !newly_refused) {
    return;
  }
  const auto context = alertContext(subject);
  AlertContext blocked = context;
  blocked.status = refusalStatus(inspection);
  for (size_t i = first_hit; i < hits.size(); ++i) {
    formatAlert(hits[i].enforced ? blocked : context,
                inspection.ruleSet()->rules()[hits[i].rule].signature, hits[i].enforced,
                alert_lines_);
    if (hits[i].would_block && !hits[i].enforced) {
      stats_.rq_would_block.inc();
    }
  }
  if (newly_refused) {
    const PolicyAlert policy =
        inspection.bodyOverLimit()
            ? PolicyAlert{"body_over_limit", "inspection.body_over_limit", 0,
                          "body longer than body_inspection_limit"}
            : PolicyAlert{"scan_error", "inspection.on_scan_error", 0, "a scan could not finish"};
    formatPolicyAlert(blocked, policy, true, alert_lines_);
  }
  writeAlerts();
}

void InspectionStage::writeAlerts() {
  if (!alert_lines_.empty()) {
    alerts_->write(alert_lines_);
    alert_lines_.clear();
  }
}

Decision InspectionStage::applyListVerdict(const rules::ListVerdict& verdict, std::string_view kind,
                                           std::string_view matched, const AlertSubject& subject) {
  if (verdict.scan_error) {
    stats_.scan_error.inc();
    if (!options_.fail_open_on_scan_error && !options_.detect_only) {
      return Decision::Reject;
    }
  }
  if (verdict.decision == Decision::Pass) {
    return Decision::Pass;
  }
  const bool block = blocks(verdict.decision) && !options_.detect_only;
  if (blocks(verdict.decision) && options_.detect_only) {
    stats_.rq_would_block.inc();
  }
  PolicyAlert policy{kind,
                     verdict.not_allowed ? std::string_view("not on any allow list") : verdict.file,
                     verdict.line, matched};
  formatPolicyAlert(alertContext(subject), policy, block, alert_lines_);
  writeAlerts();
  return block ? verdict.decision : Decision::Alert;
}

Decision InspectionStage::checkClient(const ConnectionFacts& connection) {
  if (!rule_set_ || rule_set_->ip_lists.empty()) {
    return Decision::Pass;
  }
  const auto verdict = rule_set_->checkIp(rules::IpAddress::fromBytes(connection.client.address));
  const auto decision = applyListVerdict(verdict, "ip_list", connection.client_address,
                                         AlertSubject{connection, nullptr, {}});
  if (blocks(decision)) {
    stats_.ip_rejected.inc();
  }
  return decision;
}

Decision InspectionStage::checkHandshake(const ConnectionFacts& connection) {
  if (!rule_set_ || connection.sni.empty()) {
    return Decision::Pass;
  }
  const AlertSubject subject{connection, nullptr, {}};
  const auto sni = connection.sni_host;
  auto decision = applyListVerdict(rule_set_->checkSni(sni), "domain_list", sni, subject);
  if (!blocks(decision)) {
    rules::RequestInspection inspection;
    inspector_.inspectHandshake(rule_set_->signatures, sni, connection.client, connection.local,
                                inspection);
    decision = std::max(decision, finishSignatures(inspection, subject));
  }
  if (blocks(decision)) {
    stats_.sni_rejected.inc();
  }
  return decision;
}

Decision InspectionStage::finishSignatures(const rules::RequestInspection& inspection,
                                           const AlertSubject& subject) {
  if (inspection.scanError()) {
    stats_.scan_error.inc();
  }
  const auto hits = inspection.hits();
  const bool refused_without_rule =
      blocks(inspection.decision()) && (hits.empty() || !hits.back().enforced);
  writeHitAlerts(inspection, 0, refused_without_rule, subject);
  return inspection.decision();
}

Decision InspectionStage::checkRequest(const ConnectionFacts& connection,
                                       const rules::RequestView& request, InspectionState& state) {
  state.request.reset();
  if (!rule_set_) {
    return Decision::Pass;
  }
  stats_.rq_inspected.inc();
  const AlertSubject subject{connection, &request, state.tenant};
  auto decision = Decision::Pass;
  if (!request.host.empty()) {
    decision =
        applyListVerdict(rule_set_->checkHost(request.host), "domain_list", request.host, subject);
  }
  // Domain fronting: the certificate was chosen for one name, the request asks for another.
  if (!blocks(decision) && !connection.sni.empty() && !request.host.empty() &&
      domain_fronting_ != config::DomainFronting::Allow && connection.sni_host != request.host) {
    stats_.domain_fronting.inc();
    rules::ListVerdict fronting;
    fronting.decision =
        domain_fronting_ == config::DomainFronting::Reject ? Decision::Reject : Decision::Alert;
    fronting.file = "inspection.domain_fronting";
    decision =
        std::max(decision, applyListVerdict(fronting, "domain_fronting", request.host, subject));
  }
  if (!blocks(decision)) {
    decision = std::max(
        decision, applyListVerdict(rule_set_->checkUrl(request.normalized_path, request.query),
                                   "url_list", request.normalized_path, subject));
  }
  if (blocks(decision)) {
    stats_.list_rejected.inc();
    stats_.rq_rejected.inc();
    return decision;
  }
  inspector_.inspectHeaders(rule_set_->signatures, request, state.flow, state.request);
  stats_.alerts_suppressed.inc(state.request.alertsSuppressed());
  decision = std::max(decision, finishSignatures(state.request, subject));
  if (decision == Decision::Reject) {
    stats_.rq_rejected.inc();
  } else if (decision == Decision::Drop) {
    stats_.rq_dropped.inc();
  } else if (decision == Decision::Alert) {
    stats_.rq_alerted.inc();
  }
  return decision;
}

bool InspectionStage::inspectsBody(const InspectionState& state) const noexcept {
  const auto* signatures = state.request.ruleSet();
  return signatures != nullptr && !state.request.finished() && options_.body_inspection_limit > 0 &&
         rules::Inspector::inspectsBody(*signatures);
}

Decision InspectionStage::checkBody(const ConnectionFacts& connection,
                                    const rules::RequestView& request, std::string_view chunk,
                                    bool last, InspectionState& state) {
  const auto hits_before = state.request.hits().size();
  const auto suppressed_before = state.request.alertsSuppressed();
  const bool over_before = state.request.bodyOverLimit();
  const bool finished_before = state.request.finished();
  const auto decision = inspector_.inspectBody(request, state.flow, chunk, last, state.request);
  stats_.alerts_suppressed.inc(state.request.alertsSuppressed() - suppressed_before);
  if (state.request.bodyOverLimit() && !over_before) {
    stats_.body_over_limit.inc();
  }
  const auto hits = state.request.hits();
  const bool refused_without_rule =
      !finished_before && blocks(decision) && (hits.empty() || !hits.back().enforced);
  writeHitAlerts(state.request, hits_before, refused_without_rule,
                 AlertSubject{connection, &request, state.tenant});
  if (decision == Decision::Reject) {
    stats_.rq_rejected.inc();
  } else if (decision == Decision::Drop) {
    stats_.rq_dropped.inc();
  }
  return decision;
}

} // namespace bulwark::filters
