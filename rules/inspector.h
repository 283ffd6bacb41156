#pragma once

// Runs a compiled rule set over requests: the prefilter databases nominate candidate rules, the
// verifier checks each exactly, and the rule actions, in file order, give the verdict.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/buffers.h"
#include "rules/request.h"
#include "rules/signature_set.h"
#include "rules/verifier.h"

struct hs_scratch;
struct hs_stream;

namespace bulwark::rules {

// What inspection decided for a request (or a handshake). Alert means: pass, and log.
enum class Decision : uint8_t { Pass, Alert, Reject, Drop };

// Whether `decision` refuses the request (or connection): Reject and Drop.
inline bool blocks(Decision decision) noexcept {
  return decision == Decision::Reject || decision == Decision::Drop;
}

// At most this many alerts are recorded (and logged) per request, as Suricata's
// packet_alert_max; the rest are counted in RequestInspection::alertsSuppressed().
inline constexpr size_t kMaxAlertsPerRequest = 16;

// One rule that matched and is to be logged. `enforced` is false for alert rules and, in detect
// mode, for drop and reject rules that would have blocked.
struct Hit {
  uint32_t rule = 0; // index into SignatureSet::rules()
  bool enforced = false;
  bool would_block = false; // a drop or reject rule, whether enforced or (detect mode) not
};

// Flowbits of one downstream connection, carried from request to request.
class FlowState {
public:
  bool isSet(uint16_t bit) const noexcept;
  void set(uint16_t bit);
  void unset(uint16_t bit) noexcept;
  void toggle(uint16_t bit);

private:
  std::vector<uint64_t> words_;
};

enum class BodyOverLimit : uint8_t {
  InspectPrefix, // decide on the first body_inspection_limit bytes, pass the rest unseen
  Reject,        // a body longer than the limit is rejected (413 from the proxy)
};

struct InspectorOptions {
  bool detect_only = false; // drop and reject become alerts that say would_block
  bool fail_open_on_scan_error = false;
  uint64_t body_inspection_limit = 1 << 20;
  BodyOverLimit body_over_limit = BodyOverLimit::InspectPrefix;
};

// The inspection state of one request: which rule set it started with (a reload never changes
// it), the streaming scan of its body, the body kept for verification, and its hits. Owned by
// the session, used by one worker's Inspector; movable, not copyable.
class RequestInspection {
public:
  RequestInspection() = default;
  ~RequestInspection();
  RequestInspection(const RequestInspection&) = delete;
  RequestInspection& operator=(const RequestInspection&) = delete;

  // Ready for the next request on the connection (keeps the body buffer's capacity).
  void reset() noexcept;

  Decision decision() const noexcept { return decision_; }
  // Rules that matched, in file order; the deciding one (if any) last.
  std::span<const Hit> hits() const noexcept { return hits_; }
  const SignatureSet* ruleSet() const noexcept { return rules_.get(); }
  bool scanError() const noexcept { return scan_error_; }
  // Alerts past kMaxAlertsPerRequest that were counted but not recorded.
  uint32_t alertsSuppressed() const noexcept { return alerts_suppressed_; }
  bool bodyOverLimit() const noexcept { return over_limit_; }
  // Refused because the body outgrew body_inspection_limit (body_over_limit: reject), not by a
  // rule: the proxy answers 413.
  bool refusedOverLimit() const noexcept {
    return over_limit_ && decision_ == Decision::Reject && hits_.empty();
  }
  // True once a verdict other than Pass/Alert is reached: nothing more is inspected.
  bool finished() const noexcept { return finished_; }

private:
  friend class Inspector;
  void closeStream() noexcept;

  std::shared_ptr<const SignatureSet> rules_;
  hs_stream* stream_ = nullptr;
  std::string body_;
  uint64_t body_seen_ = 0;
  std::vector<uint32_t> pending_; // Body-phase candidates, sorted, unique
  std::vector<Hit> hits_;
  uint32_t alerts_suppressed_ = 0;
  Decision decision_ = Decision::Pass;
  bool finished_ = false;
  bool passed_ = false; // a pass rule matched: inspection of this request ended
  bool scan_error_ = false;
  bool over_limit_ = false;
};

// One per worker; not thread-safe. Every call runs to completion without blocking, so requests
// of one worker share it while each keeps its own RequestInspection.
class Inspector {
public:
  explicit Inspector(InspectorOptions options);
  ~Inspector();
  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;

  // The TLS handshake: rules on tls.sni alone. `state` receives the hits and the decision.
  Decision inspectHandshake(std::shared_ptr<const SignatureSet> rules, std::string_view sni,
                            const Endpoint& client, const Endpoint& local,
                            RequestInspection& state);

  // The request head. `request` must stay valid until the body is finished, since rules that
  // also inspect the body are verified against the head again then.
  Decision inspectHeaders(std::shared_ptr<const SignatureSet> rules, const RequestView& request,
                          FlowState& flow, RequestInspection& state);

  // A chunk of the request body, before it is forwarded. `last` marks the end of the body
  // (called with an empty chunk when the end is only known afterwards). A Reject or Drop
  // returned here means the chunk must not be forwarded.
  Decision inspectBody(const RequestView& request, FlowState& flow, std::string_view chunk,
                       bool last, RequestInspection& state);

  // Whether `rules` needs the body at all (so the proxy can skip inspectBody calls).
  static bool inspectsBody(const SignatureSet& rules) noexcept;

  const InspectorOptions& options() const noexcept { return options_; }

  // For tests of thresholds: the clock that rate windows read.
  using Clock = std::chrono::steady_clock;
  void setClockForTesting(Clock::time_point (*now)()) { now_ = now; }

private:
  bool prepare(const std::shared_ptr<const SignatureSet>& rules);
  void scanList(const SignatureSet& rules, uint32_t list, std::string_view data) noexcept;
  bool verifyRule(const SignatureSet& rules, uint32_t rule_index, const RequestView* request);
  void decide(const SignatureSet& rules, std::vector<uint32_t>& matched, FlowState* flow,
              const RequestView* request, RequestInspection& state);
  bool thresholdAllows(const SignatureSet::Rule& rule, const RequestView* request, bool detection);
  // The prefilter's match callback: every rule the matched literal nominates is a candidate.
  struct ScanContext {
    Inspector* inspector;
    const SignatureSet::List* list;
  };
  static int onPrefilterMatch(unsigned int id, unsigned long long from, unsigned long long to,
                              unsigned int flags, void* context);
  void addCandidate(uint32_t rule) noexcept;
  std::string_view lowered(uint32_t list, std::string_view data);
  std::optional<std::string_view> listData(const SignatureSet& rules, uint32_t list);
  Decision finishCall(RequestInspection& state);
  void scanBodyStream(const SignatureSet& rules, RequestInspection& state, std::string_view data);
  void collectBodyCandidates(const SignatureSet& rules, RequestInspection& state, bool last,
                             std::vector<uint32_t>& out, std::vector<uint32_t>& proven);

  InspectorOptions options_;
  hs_scratch* scratch_ = nullptr;
  std::weak_ptr<const SignatureSet> scratch_owner_; // the rule set scratch_ was sized for
  bool scan_error_now_ = false;
  Verifier verifier_;
  BufferSet buffers_;

  // Per call: candidates nominated by the prefilter (deduplicated by generation marks), and
  // per list its data after transforms and in lower case, built on first use.
  std::vector<uint32_t> candidates_;
  std::vector<uint32_t> candidate_mark_;
  uint32_t generation_ = 0;
  std::vector<std::string> transformed_;
  std::vector<std::string> lowered_;
  std::vector<uint32_t> list_mark_; // generation at which transformed_/lowered_ were built
  std::vector<uint32_t> lowered_mark_;

  struct Window {
    Clock::time_point start;
    uint32_t count = 0;
  };
  // TODO(rules): threshold and detection_filter windows are counted per worker, so a client
  // whose connections land on several workers is counted that many times more slowly. Sharing
  // them needs a lock-free table between workers; meanwhile an operator can divide `count` by
  // the worker count for by_src rules that must be exact.
  std::unordered_map<uint64_t, Window> thresholds_;
  Clock::time_point (*now_)() = &Clock::now;
};

const char* decisionName(Decision decision) noexcept;

} // namespace bulwark::rules
