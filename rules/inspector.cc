#include "rules/inspector.h"

#include <algorithm>

#include <hs/hs.h>

#include "common/strings.h"

namespace bulwark::rules {
namespace {

bool hasFlowbitChecks(const SignatureSet::Rule& rule) {
  return std::any_of(rule.flowbits.begin(), rule.flowbits.end(), [](const auto& flowbit) {
    return flowbit.first == Flowbit::Op::IsSet || flowbit.first == Flowbit::Op::IsNotSet;
  });
}

bool flowbitChecksHold(const SignatureSet::Rule& rule, const FlowState* flow) {
  for (const auto& [op, bits] : rule.flowbits) {
    if (op != Flowbit::Op::IsSet && op != Flowbit::Op::IsNotSet) {
      continue;
    }
    if (flow == nullptr) {
      return op == Flowbit::Op::IsNotSet;
    }
    // "a|b": any of them set; "a&b" (or one name): all of them set. isnotset negates each.
    size_t set_count = 0;
    for (const auto bit : bits) {
      set_count += flow->isSet(bit) ? 1 : 0;
    }
    const bool any = set_count > 0;
    const bool all = set_count == bits.size();
    const bool holds = op == Flowbit::Op::IsSet ? (rule.flowbit_any_of_check ? any : all)
                                                : (rule.flowbit_any_of_check ? !all : !any);
    if (!holds) {
      return false;
    }
  }
  return true;
}

void applyFlowbitSets(const SignatureSet::Rule& rule, FlowState* flow) {
  if (flow == nullptr) {
    return;
  }
  for (const auto& [op, bits] : rule.flowbits) {
    for (const auto bit : bits) {
      if (op == Flowbit::Op::Set) {
        flow->set(bit);
      } else if (op == Flowbit::Op::Unset) {
        flow->unset(bit);
      } else if (op == Flowbit::Op::Toggle) {
        flow->toggle(bit);
      }
    }
  }
}

uint64_t hashAddress(const Endpoint& endpoint, uint32_t sid) {
  uint64_t hash = 1469598103934665603ULL ^ sid;
  for (const auto byte : endpoint.address) {
    hash = (hash ^ byte) * 1099511628211ULL;
  }
  return hash;
}

constexpr size_t kMaxThresholdEntries = 65536;

bool portMatches(const PortSpec& spec, uint16_t port) {
  bool has_include = false;
  bool included = false;
  for (const auto& range : spec.ranges) {
    const bool in = range.lo <= port && port <= range.hi;
    if (range.negated) {
      if (in) {
        return false;
      }
      continue;
    }
    has_include = true;
    included = included || in;
  }
  return !has_include || included;
}

// The rule header against the connection: client to listener, or either way for "<>".
bool endpointsMatch(const SignatureSet::Rule& rule, const RequestView& request) {
  const auto& header = rule.signature;
  const auto client = IpAddress::fromBytes(request.client.address);
  const auto local = IpAddress::fromBytes(request.local.address);
  const auto forward = rule.source.matches(client) && rule.destination.matches(local) &&
                       portMatches(header.source_ports, request.client.port) &&
                       portMatches(header.destination_ports, request.local.port);
  if (forward || !header.bidirectional) {
    return forward;
  }
  return rule.source.matches(local) && rule.destination.matches(client) &&
         portMatches(header.source_ports, request.local.port) &&
         portMatches(header.destination_ports, request.client.port);
}

} // namespace

bool FlowState::isSet(uint16_t bit) const noexcept {
  const auto word = bit / 64U;
  return word < words_.size() && (words_[word] >> (bit % 64U)) & 1U;
}

void FlowState::set(uint16_t bit) {
  if (words_.size() <= bit / 64U) {
    words_.resize(bit / 64U + 1);
  }
  words_[bit / 64U] |= uint64_t{1} << (bit % 64U);
}

void FlowState::unset(uint16_t bit) noexcept {
  if (bit / 64U < words_.size()) {
    words_[bit / 64U] &= ~(uint64_t{1} << (bit % 64U));
  }
}

void FlowState::toggle(uint16_t bit) {
  if (isSet(bit)) {
    unset(bit);
  } else {
    set(bit);
  }
}

RequestInspection::~RequestInspection() {
  closeStream();
}

void RequestInspection::reset() noexcept {
  closeStream();
  rules_.reset();
  body_.clear();
  body_seen_ = 0;
  pending_.clear();
  hits_.clear();
  alerts_suppressed_ = 0;
  decision_ = Decision::Pass;
  finished_ = false;
  passed_ = false;
  scan_error_ = false;
  over_limit_ = false;
}

void RequestInspection::closeStream() noexcept {
  if (stream_ != nullptr) {
    // Closing without a scratch reports no end-of-data matches; literals have none to report.
    hs_close_stream(stream_, nullptr, nullptr, nullptr);
    stream_ = nullptr;
  }
}

Inspector::Inspector(InspectorOptions options) : options_(options) {}

Inspector::~Inspector() {
  hs_free_scratch(scratch_);
}

bool Inspector::inspectsBody(const SignatureSet& rules) noexcept {
  return std::any_of(rules.rules().begin(), rules.rules().end(),
                     [](const auto& rule) { return rule.phase == Phase::Body; });
}

bool Inspector::prepare(const std::shared_ptr<const SignatureSet>& set) {
  const auto& rules = *set;
  // A weak pointer, not an address: a new set allocated where a freed one was is still new.
  if (scratch_owner_.lock() != set) {
    for (const auto& list : rules.lists()) {
      for (auto* db : {list.block_db, list.stream_db}) {
        if (db != nullptr && hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) {
          scratch_owner_.reset();
          return false;
        }
      }
    }
    scratch_owner_ = set;
  }
  if (candidate_mark_.size() < rules.rules().size()) {
    candidate_mark_.resize(rules.rules().size(), 0);
  }
  if (transformed_.size() < rules.lists().size()) {
    transformed_.resize(rules.lists().size());
    lowered_.resize(rules.lists().size());
    list_mark_.resize(rules.lists().size(), 0);
    lowered_mark_.resize(rules.lists().size(), 0);
  }
  return true;
}

int Inspector::onPrefilterMatch(unsigned int id, unsigned long long /*from*/,
                                unsigned long long /*to*/, unsigned int /*flags*/, void* context) {
  auto* scan = static_cast<ScanContext*>(context);
  for (const auto rule : scan->list->pattern_rules[id]) {
    scan->inspector->addCandidate(rule);
  }
  return 0;
}

void Inspector::addCandidate(uint32_t rule) noexcept {
  if (candidate_mark_[rule] != generation_) {
    candidate_mark_[rule] = generation_;
    candidates_.push_back(rule);
  }
}

void Inspector::scanList(const SignatureSet& rules, uint32_t list, std::string_view data) noexcept {
  const auto& info = rules.lists()[list];
  for (const auto rule : info.unconditional) {
    addCandidate(rule);
  }
  if (info.block_db == nullptr) {
    return;
  }
  ScanContext context{this, &info};
  if (hs_scan(info.block_db, data.data(), static_cast<unsigned int>(data.size()), 0, scratch_,
              onPrefilterMatch, &context) != HS_SUCCESS) {
    scan_error_now_ = true;
  }
}

std::optional<std::string_view> Inspector::listData(const SignatureSet& rules, uint32_t list) {
  const auto& info = rules.lists()[list];
  const auto raw = buffers_.get(info.buffer);
  if (!raw || info.transforms.empty()) {
    return raw;
  }
  if (list_mark_[list] != generation_) {
    applyTransforms(info.transforms, *raw, transformed_[list]);
    list_mark_[list] = generation_;
  }
  return std::string_view(transformed_[list]);
}

std::string_view Inspector::lowered(uint32_t list, std::string_view data) {
  if (lowered_mark_[list] != generation_) {
    auto& out = lowered_[list];
    out.resize(data.size());
    // Inline rather than a call per byte: a body of a megabyte is lowered whenever one nocase
    // body rule is verified, and the loop is most of the cost of verifying it.
    for (size_t i = 0; i < data.size(); ++i) {
      const auto c = static_cast<unsigned char>(data[i]);
      out[i] = static_cast<char>(static_cast<unsigned>(c - 'A') < 26U ? c + ('a' - 'A') : c);
    }
    lowered_mark_[list] = generation_;
  }
  return lowered_[list];
}

bool Inspector::verifyRule(const SignatureSet& rules, uint32_t rule_index,
                           const RequestView* request) {
  const auto& rule = rules.rules()[rule_index];
  if (rule.checks_endpoints && request != nullptr && !endpointsMatch(rule, *request)) {
    return false;
  }
  for (size_t m = 0; m < rule.matches.size(); ++m) {
    const auto& compiled = rule.matches[m];
    const auto data = listData(rules, compiled.list);
    if (!data) {
      return false;
    }
    const auto lower = compiled.needs_lowered ? lowered(compiled.list, *data) : std::string_view{};
    const bool matched = verifier_.matches(rule.signature.buffers[m], compiled, *data, lower);
    // Running out of backtracking budget is "no match", as in Suricata; a PCRE2 error is not.
    scan_error_now_ = scan_error_now_ || verifier_.error();
    if (!matched) {
      return false;
    }
  }
  return true;
}

bool Inspector::thresholdAllows(const SignatureSet::Rule& rule, const RequestView* request,
                                bool detection) {
  const auto& signature = rule.signature;
  Track track = Track::BySource;
  uint32_t count = 0;
  uint32_t seconds = 0;
  if (detection) {
    if (!signature.detection_filter) {
      return true;
    }
    track = signature.detection_filter->track;
    count = signature.detection_filter->count;
    seconds = signature.detection_filter->seconds;
  } else {
    if (!signature.threshold) {
      return true;
    }
    track = signature.threshold->track;
    count = signature.threshold->count;
    seconds = signature.threshold->seconds;
  }
  if (request == nullptr) {
    return true;
  }
  if (thresholds_.size() >= kMaxThresholdEntries) {
    // Bounded memory beats exact counts under an address-spraying flood.
    thresholds_.clear();
  }
  const auto& endpoint = track == Track::BySource ? request->client : request->local;
  const auto key = hashAddress(endpoint, signature.sid) * 2 + (detection ? 1 : 0);
  auto& window = thresholds_[key];
  const auto now = now_();
  if (window.count == 0 || now - window.start >= std::chrono::seconds(seconds)) {
    window.start = now;
    window.count = 0;
  }
  ++window.count;
  if (detection) {
    return window.count > count;
  }
  switch (signature.threshold->type) {
  case Threshold::Type::Limit:
    return window.count <= count;
  case Threshold::Type::Threshold:
    return window.count % count == 0;
  case Threshold::Type::Both:
    return window.count == count;
  }
  return true;
}

void Inspector::decide(const SignatureSet& rules, std::vector<uint32_t>& matched, FlowState* flow,
                       const RequestView* request, RequestInspection& state) {
  std::sort(matched.begin(), matched.end());

  // Rules that only set flowbits act first, so a rule checking a bit set by the same request
  // sees it, whatever their order in the files.
  for (const auto index : matched) {
    const auto& rule = rules.rules()[index];
    if (rule.sets_flowbits && !hasFlowbitChecks(rule)) {
      applyFlowbitSets(rule, flow);
    }
  }
  for (const auto index : matched) {
    const auto& rule = rules.rules()[index];
    if (!flowbitChecksHold(rule, flow)) {
      continue;
    }
    if (rule.sets_flowbits && hasFlowbitChecks(rule)) {
      applyFlowbitSets(rule, flow);
    }
    if (rule.noalert || !thresholdAllows(rule, request, true)) {
      continue;
    }
    const auto action = rule.signature.action;
    if (action == Action::Pass) {
      state.passed_ = true;
      return;
    }
    // A threshold limits what is logged; a drop or reject rule still blocks.
    const bool logged = thresholdAllows(rule, request, false);
    // A request that matches hundreds of alert rules must not write hundreds of lines: past
    // kMaxAlertsPerRequest alerts are only counted. A blocking rule is always recorded.
    if (action == Action::Alert || options_.detect_only) {
      if (logged && state.hits_.size() < kMaxAlertsPerRequest) {
        state.hits_.push_back({index, false, action != Action::Alert});
      } else if (logged) {
        ++state.alerts_suppressed_;
      }
      state.decision_ = std::max(state.decision_, logged ? Decision::Alert : state.decision_);
      continue;
    }
    state.hits_.push_back({index, true, true});
    state.decision_ = action == Action::Drop ? Decision::Drop : Decision::Reject;
    state.finished_ = true;
    return;
  }
}

Decision Inspector::inspectHandshake(std::shared_ptr<const SignatureSet> rules,
                                     std::string_view sni, const Endpoint& client,
                                     const Endpoint& local, RequestInspection& state) {
  state.rules_ = std::move(rules);
  const auto& set = *state.rules_;
  RequestView view;
  view.sni = sni;
  view.client = client;
  view.local = local;
  if (!prepare(state.rules_)) {
    state.scan_error_ = true;
    return options_.fail_open_on_scan_error ? Decision::Pass : Decision::Reject;
  }
  ++generation_;
  candidates_.clear();
  scan_error_now_ = false;
  buffers_.reset(view);
  for (uint32_t list = 0; list < set.lists().size(); ++list) {
    if (set.lists()[list].buffer != Buffer::TlsSni) {
      continue;
    }
    if (const auto data = listData(set, list)) {
      scanList(set, list, *data);
    }
  }
  std::vector<uint32_t> matched;
  for (const auto index : candidates_) {
    if (set.rules()[index].phase == Phase::Handshake && verifyRule(set, index, &view)) {
      matched.push_back(index);
    }
  }
  decide(set, matched, nullptr, &view, state);
  return finishCall(state);
}

Decision Inspector::finishCall(RequestInspection& state) {
  if (scan_error_now_) {
    state.scan_error_ = true;
    if (!options_.fail_open_on_scan_error && !options_.detect_only && !state.finished_) {
      state.decision_ = Decision::Reject;
      state.finished_ = true;
    }
  }
  return state.decision_;
}

Decision Inspector::inspectHeaders(std::shared_ptr<const SignatureSet> rules,
                                   const RequestView& request, FlowState& flow,
                                   RequestInspection& state) {
  state.rules_ = std::move(rules);
  const auto& set = *state.rules_;
  if (!prepare(state.rules_)) {
    scan_error_now_ = true;
    return finishCall(state);
  }
  ++generation_;
  candidates_.clear();
  scan_error_now_ = false;
  buffers_.reset(request);
  for (uint32_t list = 0; list < set.lists().size(); ++list) {
    if (set.lists()[list].buffer == Buffer::RequestBody) {
      continue;
    }
    if (const auto data = listData(set, list)) {
      scanList(set, list, *data);
    }
  }

  std::vector<uint32_t> matched;
  for (const auto index : candidates_) {
    const auto phase = set.rules()[index].phase;
    if (phase == Phase::Body) {
      state.pending_.push_back(index);
    } else if (phase == Phase::Headers && verifyRule(set, index, &request)) {
      matched.push_back(index);
    }
  }
  std::sort(state.pending_.begin(), state.pending_.end());
  decide(set, matched, &flow, &request, state);
  return finishCall(state);
}

void Inspector::collectBodyCandidates(const SignatureSet& set, RequestInspection& state, bool last,
                                      std::vector<uint32_t>& out, std::vector<uint32_t>& proven) {
  // Body lists with transforms have no streaming database: they are scanned whole at the end.
  if (last) {
    for (uint32_t list = 0; list < set.lists().size(); ++list) {
      const auto& info = set.lists()[list];
      if (info.buffer != Buffer::RequestBody || static_cast<int>(list) == set.bodyStreamList()) {
        continue;
      }
      if (const auto data = listData(set, list)) {
        scanList(set, list, *data);
      }
    }
    for (const auto index : set.bodyUnconditional()) {
      addCandidate(index);
    }
  }
  for (const auto index : candidates_) {
    if (set.rules()[index].phase != Phase::Body) {
      continue;
    }
    // A rule its literal proves is decided now, in the chunk that completed the literal.
    // Every other candidate is verified once, when the body is complete: verifying on each
    // chunk would rescan the whole body kept so far every time.
    if (set.rules()[index].proven_by_prefilter) {
      proven.push_back(index);
    } else if (last) {
      out.push_back(index);
    } else {
      state.pending_.push_back(index);
    }
  }
  if (last) {
    out.insert(out.end(), state.pending_.begin(), state.pending_.end());
    state.pending_.clear();
  }
  std::sort(state.pending_.begin(), state.pending_.end());
  state.pending_.erase(std::unique(state.pending_.begin(), state.pending_.end()),
                       state.pending_.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

Decision Inspector::inspectBody(const RequestView& request, FlowState& flow, std::string_view chunk,
                                bool last, RequestInspection& state) {
  if (state.finished_ || state.passed_ || state.rules_ == nullptr) {
    return state.decision_;
  }
  const auto& set = *state.rules_;
  if (!prepare(state.rules_)) {
    scan_error_now_ = true;
    return finishCall(state);
  }
  ++generation_;
  candidates_.clear();
  scan_error_now_ = false;

  // Keep (and scan) at most body_inspection_limit bytes; what lies past it is decided by the
  // setting, never scanned.
  const auto limit = options_.body_inspection_limit;
  const auto room = state.body_seen_ < limit ? limit - state.body_seen_ : 0;
  const auto kept = chunk.substr(0, std::min<uint64_t>(room, chunk.size()));
  state.body_seen_ += chunk.size();
  if (kept.size() < chunk.size() && !state.over_limit_) {
    state.over_limit_ = true;
    last = true;
    if (options_.body_over_limit == BodyOverLimit::Reject && !options_.detect_only) {
      state.decision_ = Decision::Reject;
      state.finished_ = true;
      return state.decision_;
    }
  } else if (state.over_limit_) {
    return state.decision_;
  }
  state.body_.append(kept);
  scanBodyStream(set, state, kept);

  buffers_.reset(request, state.body_);
  std::vector<uint32_t> to_verify;
  std::vector<uint32_t> matched;
  collectBodyCandidates(set, state, last, to_verify, matched);
  for (const auto index : to_verify) {
    if (verifyRule(set, index, &request)) {
      matched.push_back(index);
    }
  }
  if (last) {
    state.closeStream();
  }
  decide(set, matched, &flow, &request, state);
  return finishCall(state);
}

void Inspector::scanBodyStream(const SignatureSet& set, RequestInspection& state,
                               std::string_view data) {
  const auto list = set.bodyStreamList();
  if (list < 0 || data.empty()) {
    return;
  }
  const auto& info = set.lists()[static_cast<size_t>(list)];
  if (state.stream_ == nullptr && hs_open_stream(info.stream_db, 0, &state.stream_) != HS_SUCCESS) {
    scan_error_now_ = true;
    return;
  }
  ScanContext context{this, &info};
  if (hs_scan_stream(state.stream_, data.data(), static_cast<unsigned int>(data.size()), 0,
                     scratch_, onPrefilterMatch, &context) != HS_SUCCESS) {
    scan_error_now_ = true;
  }
}

const char* decisionName(Decision decision) noexcept {
  switch (decision) {
  case Decision::Pass:
    return "pass";
  case Decision::Alert:
    return "alert";
  case Decision::Reject:
    return "reject";
  case Decision::Drop:
    return "drop";
  }
  return "unknown";
}

} // namespace bulwark::rules
