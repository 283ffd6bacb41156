// The whole ET Open snapshot through the compiler and the inspector: nearly every loaded rule
// compiles, the prefilter databases come back from the disk cache, every rule simple enough to
// write a request for fires on that request and not on a near miss, and browser traffic is never
// blocked. The data lives outside the repository; without it every test here is skipped.

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "common/strings.h"
#include "rules/buffers.h"
#include "rules/inspector.h"
#include "rules/normalize.h"
#include "rules/rule_parser.h"
#include "rules/signature_set.h"

namespace bulwark::rules {
namespace {

std::filesystem::path sharedData() {
  if (const char* env = std::getenv("BULWARK_SHARED_DATA"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(BULWARK_SOURCE_DIR) / ".." / "shared" / "data";
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  const auto elapsed = std::chrono::steady_clock::now() - start;
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

bool containsBytes(std::string_view haystack, std::string_view needle, bool nocase) {
  if (!nocase) {
    return haystack.find(needle) != std::string_view::npos;
  }
  return toLowerAscii(haystack).find(toLowerAscii(needle)) != std::string::npos;
}

// A request as a client sends it, owning its bytes, with the view the proxy would hand to the
// inspector: path normalised, Host normalised, query split off.
struct OwnedRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string protocol = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string sni;
  uint16_t client_port = 50000;
  uint16_t local_port = 443;
  uint32_t client_id = 1;  // the client address is 10.x.y.z from it (thresholds count by it)

  std::string normalized;
  std::string host;
  std::vector<HeaderField> fields;
  RequestView view;

  // Fills `view`; the request must not move afterwards. Returns why the proxy would refuse the
  // request before inspection (empty when it would not).
  std::string build() {
    const std::string_view whole = target;
    const auto question = whole.find('?');
    NormalizedPath path;
    const auto verdict = normalizePath(whole.substr(0, question), path);
    if (verdict != PathVerdict::Ok) {
      return "path refused by the normaliser (" + std::string(pathVerdictName(verdict)) + ")";
    }
    if ((path.anomalies & kRejectedAnomalies) != 0) {
      return "path refused by the proxy (ambiguous encoding)";
    }
    normalized = path.path;
    fields.clear();
    for (const auto& [name, value] : headers) {
      fields.push_back({name, value});
      if (iequals(name, "host")) {
        host = normalizeHost(value);
        if (host.empty()) {
          return "host refused by the proxy (not a host name)";
        }
      }
    }
    view = RequestView{};
    view.method = method;
    view.target = target;
    view.normalized_path = normalized;
    view.query =
        question == std::string_view::npos ? std::string_view{} : whole.substr(question + 1);
    view.protocol = protocol;
    view.host = host;
    view.headers = fields;
    view.sni = sni;
    view.path_anomalies = path.anomalies;
    view.client.address[10] = 0xff;
    view.client.address[11] = 0xff;
    view.client.address[12] = 10;
    view.client.address[13] = static_cast<uint8_t>(client_id >> 16);
    view.client.address[14] = static_cast<uint8_t>(client_id >> 8);
    view.client.address[15] = static_cast<uint8_t>(client_id);
    view.client.port = client_port;
    view.local.port = local_port;
    return {};
  }
};

// The request on one line, non-printable bytes as \xNN, for failure messages.
std::string describe(const OwnedRequest& request) {
  std::string out;
  const auto append = [&out](std::string_view bytes) {
    for (const auto c : bytes) {
      if (std::isprint(static_cast<unsigned char>(c)) != 0) {
        out.push_back(c);
      } else {
        constexpr const char* kHex = "0123456789abcdef";
        out += "\\x";
        out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
        out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
      }
    }
  };
  append(request.method + " " + request.target + " " + request.protocol);
  for (const auto& [name, value] : request.headers) {
    append(" | " + name + ": " + value);
  }
  if (!request.body.empty()) {
    append(" | body: " + request.body.substr(0, 200));
  }
  if (!request.sni.empty()) {
    append(" | sni: " + request.sni);
  }
  return out;
}

// Runs one request through the head and body phases; the body in chunks of `chunk` bytes (0: in
// one chunk). The handshake phase is left to firesRule (only tls.sni-only rules need it).
void inspectRequest(Inspector& inspector, const std::shared_ptr<const SignatureSet>& set,
                    const OwnedRequest& request, RequestInspection& state, size_t chunk = 0) {
  FlowState flow;
  inspector.inspectHeaders(set, request.view, flow, state);
  std::string_view body = request.body;
  while (!body.empty() && !state.finished()) {
    const auto size = chunk == 0 ? body.size() : std::min(chunk, body.size());
    const auto part = body.substr(0, size);
    body.remove_prefix(size);
    inspector.inspectBody(request.view, flow, part, body.empty(), state);
  }
}

bool firesRule(Inspector& inspector, const std::shared_ptr<const SignatureSet>& set,
               const OwnedRequest& request, uint32_t rule, size_t chunk = 0) {
  if (set->rules()[rule].phase == Phase::Handshake) {
    RequestInspection state;
    inspector.inspectHandshake(set, request.sni, request.view.client, request.view.local, state);
    return std::any_of(state.hits().begin(), state.hits().end(),
                       [rule](const Hit& hit) { return hit.rule == rule; });
  }
  RequestInspection state;
  inspectRequest(inspector, set, request, state, chunk);
  return std::any_of(state.hits().begin(), state.hits().end(),
                     [rule](const Hit& hit) { return hit.rule == rule; });
}

// ---- Synthesising a request from a rule's contents ----

// The parts of a request a synthesised content can be put in.
enum class Field : uint8_t {
  Path, Method, Protocol, Host, Synth, Name, Cookie, UserAgent, Referer, Accept,
  AcceptLanguage, AcceptEncoding, ContentType, ContentLength, Connection, Body, Sni,
};
constexpr size_t kFieldCount = static_cast<size_t>(Field::Sni) + 1;

// Header fields by Field, in the order they are sent; empty for the non-header fields.
constexpr std::array<const char*, kFieldCount> kHeaderNames = {
    "", "", "", "Host", "X-Synth", "", "Cookie", "User-Agent", "Referer", "Accept",
    "Accept-Language", "Accept-Encoding", "Content-Type", "Content-Length", "Connection", "",
    ""};

struct FieldOf {
  Field field;
  bool anchors = false;  // whether the buffer starts and ends where the field does
};

FieldOf fieldOf(Buffer buffer) {
  switch (buffer) {
    case Buffer::Uri:
    case Buffer::UriRaw: return {Field::Path, true};
    case Buffer::RequestLine: return {Field::Path, false};
    case Buffer::Method: return {Field::Method, true};
    case Buffer::Protocol: return {Field::Protocol, true};
    case Buffer::Host:
    case Buffer::HostRaw: return {Field::Host, true};
    case Buffer::Header:
    case Buffer::HeaderRaw:
    case Buffer::Start:
    case Buffer::Payload: return {Field::Synth, false};
    case Buffer::HeaderNames: return {Field::Name, false};
    case Buffer::Cookie: return {Field::Cookie, true};
    case Buffer::UserAgent: return {Field::UserAgent, true};
    case Buffer::Referer: return {Field::Referer, true};
    case Buffer::Accept: return {Field::Accept, true};
    case Buffer::AcceptLanguage: return {Field::AcceptLanguage, true};
    case Buffer::AcceptEncoding: return {Field::AcceptEncoding, true};
    case Buffer::ContentType: return {Field::ContentType, true};
    case Buffer::ContentLength: return {Field::ContentLength, true};
    case Buffer::Connection: return {Field::Connection, true};
    case Buffer::RequestBody: return {Field::Body, true};
    case Buffer::TlsSni: return {Field::Sni, true};
  }
  return {Field::Synth, false};
}

// The contents of one BufferMatch laid out in rule order, with the gaps relative ones need.
struct Segment {
  Field field = Field::Synth;
  std::string bytes;
  bool at_start = false;
  bool at_end = false;
};

// Lays out one BufferMatch. Returns the reason when its contents cannot be placed by this
// simple scheme (the rule is then left out, counted under that reason).
std::string layOut(const BufferMatch& match, Segment& out) {
  const auto where = fieldOf(match.buffer);
  out.field = where.field;
  bool placed_any = false;
  for (size_t i = 0; i < match.items.size(); ++i) {
    const auto* content = std::get_if<Content>(&match.items[i]);
    if (content == nullptr) {
      return std::holds_alternative<Pcre>(match.items[i])        ? "pcre"
             : std::holds_alternative<SizeCheck>(match.items[i]) ? "size check"
                                                                 : "isdataat";
    }
    if (content->negated) {
      continue;  // checked against the built request
    }
    if (out.at_end) {
      return "endswith before another content";
    }
    const auto size = static_cast<int64_t>(content->pattern.size());
    // Joining two path contents as "a/" + "/b" would make "//", which normalisation merges;
    // a filler byte keeps them apart where the rule allows one.
    const bool slash_join = out.field == Field::Path && !out.bytes.empty() &&
                            out.bytes.back() == '/' && content->pattern.front() == '/';
    if (content->relative()) {
      // A relative content with nothing before it counts from the start of the buffer.
      const int64_t distance = content->distance.value_or(0);
      if (distance < 0) {
        return "negative distance";
      }
      if (content->within && size > *content->within) {
        return "within shorter than the content";
      }
      out.at_start = out.at_start || !placed_any;
      const bool gap = slash_join && distance == 0 &&
                       (!content->within || size + 1 <= *content->within);
      out.bytes.append(static_cast<size_t>(distance) + (gap ? 1 : 0), '_');
    } else if (content->startswith || content->offset || content->depth) {
      if (placed_any) {
        return "offset/depth on a later content";
      }
      const int64_t offset = content->startswith ? 0 : content->offset.value_or(0);
      if (content->depth && size > *content->depth) {
        return "depth shorter than the content";
      }
      out.bytes.append(static_cast<size_t>(offset), '_');
      out.at_start = true;
    } else if (slash_join) {
      out.bytes.push_back('_');
    }
    if (content->endswith) {
      out.at_end = true;
    }
    if ((out.at_start || out.at_end) && !where.anchors) {
      return std::string("anchored content on ") + bufferName(match.buffer);
    }
    out.bytes += content->pattern;
    placed_any = true;
  }
  return {};
}

// The built fields of a rule's request: at most one start- and one end-anchored segment each.
struct Plan {
  std::array<std::string, kFieldCount> start;
  std::array<std::string, kFieldCount> middle;
  std::array<std::string, kFieldCount> end;
  std::array<bool, kFieldCount> used{};
  std::array<bool, kFieldCount> whole{};  // one content is the whole field
};

std::string addSegment(const Segment& segment, Plan& plan) {
  const auto f = static_cast<size_t>(segment.field);
  if (plan.whole[f] || (segment.at_start && segment.at_end && plan.used[f])) {
    return "a whole-field content beside another";
  }
  if (segment.at_start && !plan.start[f].empty()) {
    return "two start-anchored contents in one field";
  }
  if (segment.at_end && !plan.end[f].empty()) {
    return "two end-anchored contents in one field";
  }
  auto& slot = segment.at_start ? plan.start[f] : segment.at_end ? plan.end[f] : plan.middle[f];
  slot += segment.bytes;
  plan.whole[f] = segment.at_start && segment.at_end;
  plan.used[f] = true;
  return {};
}

// The field's bytes; a field the rule names without a positive content gets a neutral value.
std::string fieldValue(const Plan& plan, Field field) {
  const auto f = static_cast<size_t>(field);
  std::string value;
  for (const auto* part : {&plan.start[f], &plan.middle[f], &plan.end[f]}) {
    if (field == Field::Path && !value.empty() && value.back() == '/' && !part->empty() &&
        part->front() == '/') {
      value.push_back('_');
    }
    value += *part;
  }
  if (field == Field::Host && !value.empty() && value.front() == '.') {
    value.insert(0, "example");  // ".cn" endswith: a host name cannot start with a dot
  }
  if (value.empty() && plan.used[f]) {
    return field == Field::Host ? "www.example.com" : field == Field::Name ? "X-Name" : "synth";
  }
  return value;
}

uint16_t portFor(const PortSpec& spec, uint16_t fallback) {
  for (uint32_t port = spec.any() ? fallback : 1; port <= 65535; ++port) {
    bool has_include = false;
    bool included = false;
    bool excluded = false;
    for (const auto& range : spec.ranges) {
      const bool in = range.lo <= port && port <= range.hi;
      excluded = excluded || (range.negated && in);
      has_include = has_include || !range.negated;
      included = included || (!range.negated && in);
    }
    if (!excluded && (!has_include || included)) {
      return static_cast<uint16_t>(port);
    }
  }
  return fallback;
}

// Whether the rule alerts on the first request that matches it, on a fresh connection.
std::string alertsOnFirstMatch(const Signature& signature) {
  if (signature.action != Action::Alert) {
    return "not an alert rule";
  }
  if (!signature.source.any() || !signature.destination.any()) {
    return "explicit addresses";
  }
  for (const auto& flowbit : signature.flowbits) {
    if (flowbit.op == Flowbit::Op::IsSet) {
      return "flowbits:isset";
    }
    if (flowbit.op == Flowbit::Op::NoAlert) {
      return "noalert";
    }
  }
  if (signature.detection_filter) {
    return "detection_filter";
  }
  if (signature.threshold && signature.threshold->type != Threshold::Type::Limit) {
    return "threshold";
  }
  return {};
}

// Turns a plan into a request. Fields a rule does not name get ordinary values.
void fillRequest(const Signature& signature, const Plan& plan, OwnedRequest& out) {
  const auto value = [&plan](Field field) { return fieldValue(plan, field); };
  const auto used = [&plan](Field field) { return plan.used[static_cast<size_t>(field)]; };
  out.body = value(Field::Body);
  out.method = used(Field::Method) ? value(Field::Method) : out.body.empty() ? "GET" : "POST";
  out.protocol = used(Field::Protocol) ? value(Field::Protocol) : "HTTP/1.1";
  out.target = value(Field::Path);
  const auto path = static_cast<size_t>(Field::Path);
  if (out.target.empty() || (out.target[0] != '/' && plan.start[path].empty())) {
    out.target.insert(0, "/");
  }
  out.sni = value(Field::Sni);
  out.headers.clear();
  out.headers.emplace_back("Host", used(Field::Host) ? value(Field::Host) : "www.example.com");
  if (used(Field::Name)) {
    out.headers.emplace_back(value(Field::Name), "1");
  }
  for (size_t f = static_cast<size_t>(Field::Synth); f < kFieldCount; ++f) {
    if (*kHeaderNames[f] != '\0' && plan.used[f]) {
      out.headers.emplace_back(kHeaderNames[f], value(static_cast<Field>(f)));
    }
  }
  out.local_port = portFor(signature.destination_ports, 443);
  out.client_port = portFor(signature.source_ports, 50000);
}

// Plans a request for `signature`; empty on success, else why it cannot be synthesised.
std::string planRequest(const Signature& signature, Plan& plan) {
  plan = Plan{};
  for (const auto& match : signature.buffers) {
    Segment segment;
    if (auto reason = layOut(match, segment); !reason.empty()) {
      return reason;
    }
    if (auto reason = addSegment(segment, plan); !reason.empty()) {
      return reason;
    }
  }
  const auto& path_start = plan.start[static_cast<size_t>(Field::Path)];
  if (!path_start.empty() && path_start[0] != '/') {
    return "uri anchored content not starting with '/'";
  }
  return {};
}

// The buffer a BufferMatch inspects in `request`, after its transforms; nullopt when absent.
std::optional<std::string> listData(const OwnedRequest& request, const BufferMatch& match) {
  BufferSet buffers;
  buffers.reset(request.view, request.body);
  const auto raw = buffers.get(match.buffer);
  if (!raw) {
    return std::nullopt;
  }
  std::string out;
  applyTransforms(match.transforms, *raw, out);
  return out;
}

// Where the prefilter literal of a signature is: (match, item), as the compiler chooses it
// (the explicit fast_pattern, else the first longest positive content).
std::pair<size_t, size_t> fastPatternOf(const Signature& signature) {
  std::pair<size_t, size_t> best{0, 0};
  size_t best_size = 0;
  bool found = false;
  bool explicit_choice = false;
  for (size_t m = 0; m < signature.buffers.size(); ++m) {
    const auto& items = signature.buffers[m].items;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto* content = std::get_if<Content>(&items[i]);
      if (content == nullptr || content->negated || content->pattern.empty() || explicit_choice) {
        continue;
      }
      if (content->fast_pattern || !found || content->pattern.size() > best_size) {
        best = {m, i};
        best_size = content->pattern.size();
        found = true;
        explicit_choice = content->fast_pattern;
      }
    }
  }
  return best;
}

// Changes one byte of a content (inside its fast_pattern slice if it has one) so that it no
// longer matches, in any case. Letters stay letters, digits stay digits.
void alterContent(Content& content) {
  size_t from = 0;
  size_t length = content.pattern.size();
  if (content.fast_pattern_slice) {
    from = std::min<size_t>(content.fast_pattern_slice->first, length);
    length = std::min<size_t>(content.fast_pattern_slice->second, length - from);
  }
  size_t at = from + length / 2;
  for (size_t step = 0; step < length; ++step) {
    const size_t candidate = from + (length / 2 + step) % length;
    if (std::isalnum(static_cast<unsigned char>(content.pattern[candidate])) != 0) {
      at = candidate;
      break;
    }
  }
  auto& byte = content.pattern[at];
  if (std::isalpha(static_cast<unsigned char>(byte)) != 0) {
    const char base = std::islower(static_cast<unsigned char>(byte)) != 0 ? 'a' : 'A';
    byte = static_cast<char>(base + (byte - base + 13) % 26);
  } else if (std::isdigit(static_cast<unsigned char>(byte)) != 0) {
    byte = static_cast<char>('0' + (byte - '0' + 5) % 10);
  } else {
    byte = byte == '~' ? '!' : '~';
  }
}

class EtOpenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto dir = sharedData() / "et-open";
    if (!std::filesystem::is_directory(dir)) {
      skip_ = "no ET Open snapshot at " + dir.string() +
              " (set BULWARK_SHARED_DATA to the shared data directory)";
      return;
    }
    auto loaded = loadRuleFiles({dir.string()}, ParseOptions{});
    signatures_ = loaded.signatures;
    cache_dir_ = (std::filesystem::temp_directory_path() /
                  ("bulwark-et-cache-" + std::to_string(::getpid())))
                     .string();
    std::filesystem::remove_all(cache_dir_);
    const auto started = std::chrono::steady_clock::now();
    set_ = SignatureSet::compile(std::move(loaded.signatures), CompileOptions{cache_dir_},
                                 compile_problems_);
    cold_ms_ = millisecondsSince(started);
  }

  static void TearDownTestSuite() {
    set_.reset();
    signatures_.clear();
    if (!cache_dir_.empty()) {
      std::filesystem::remove_all(cache_dir_);
    }
  }

  void SetUp() override {
    if (!skip_.empty()) {
      GTEST_SKIP() << skip_;
    }
    std::string why;
    for (const auto& problem : compile_problems_) {
      why += problem.reason == "prefilter" ? problem.toString() + "\n" : "";
    }
    ASSERT_NE(set_, nullptr) << "the ET Open prefilter did not build:\n" << why;
  }

  static inline std::string skip_;
  static inline std::string cache_dir_;
  static inline std::vector<Signature> signatures_;
  static inline std::vector<RuleProblem> compile_problems_;
  static inline std::shared_ptr<const SignatureSet> set_;
  static inline double cold_ms_ = 0;
};

TEST_F(EtOpenTest, CompilesNearlyEveryLoadedRuleAndCachesTheDatabases) {
  std::map<std::string, size_t> by_reason;
  for (const auto& problem : compile_problems_) {
    ++by_reason[problem.reason];
    std::cout << "  " << problem.toString() << "\n";
  }
  for (const auto& [reason, count] : by_reason) {
    std::cout << "compile problems, " << reason << ": " << count << "\n";
  }
  const auto loaded = signatures_.size();
  const auto compiled = set_->rules().size();
  std::cout << "ET Open: loaded " << loaded << ", compiled " << compiled << " in "
            << set_->lists().size() << " lists, " << set_->patternCount()
            << " prefilter literals; cold compile " << cold_ms_ << " ms\n";
  EXPECT_GE(static_cast<double>(compiled), 0.99 * static_cast<double>(loaded));
  EXPECT_EQ(compiled + compile_problems_.size(), loaded);

  std::vector<RuleProblem> problems;
  const auto started = std::chrono::steady_clock::now();
  const auto again = SignatureSet::compile(signatures_, CompileOptions{cache_dir_}, problems);
  const auto cached_ms = millisecondsSince(started);
  ASSERT_NE(again, nullptr);
  std::cout << "compile with a warm cache: " << cached_ms << " ms, " << again->cacheHits()
            << " cache hits\n";
  EXPECT_GT(again->cacheHits(), 0U);
  EXPECT_EQ(again->rules().size(), compiled);
}

// What became of each synthesised rule, for the report at the end of the test.
struct Tally {
  size_t covered = 0;
  size_t negatives = 0;
  size_t verifier_negatives = 0;
  size_t body_splits = 0;
  std::map<std::string, size_t> left_out;
  std::map<std::string, std::vector<uint32_t>> examples;  // a few sids per reason
  std::vector<std::string> failures;

  void leaveOut(const Signature& signature, const std::string& reason) {
    ++left_out[reason];
    auto& sids = examples[reason];
    if (sids.size() < 3) {
      sids.push_back(signature.sid);
    }
  }
  void fail(const Signature& signature, const std::string& reason) {
    failures.push_back("sid " + std::to_string(signature.sid) + ": " + reason);
  }
};

// The positive request of one rule; false (with the reason counted) when it cannot be built.
bool buildPositive(const Signature& signature, OwnedRequest& request, uint32_t client_id,
                   Tally& tally) {
  Plan plan;
  if (auto reason = planRequest(signature, plan); !reason.empty()) {
    tally.leaveOut(signature, reason);
    return false;
  }
  fillRequest(signature, plan, request);
  request.client_id = client_id;
  if (auto reason = request.build(); !reason.empty()) {
    tally.leaveOut(signature, reason);
    return false;
  }

  // Every content must be where the rule looks, after normalisation and transforms, and no
  // negated content may be; otherwise the request says nothing about the matcher.
  for (const auto& match : signature.buffers) {
    const auto data = listData(request, match);
    for (const auto& item : match.items) {
      const auto& content = std::get<Content>(item);
      const bool present = data && containsBytes(*data, content.pattern, content.nocase);
      if (present == content.negated) {
        tally.leaveOut(signature, content.negated ? "negated content present"
                                       : std::string("content changed by normalisation in ") +
                                             bufferName(match.buffer));
        return false;
      }
    }
  }
  return true;
}

// Rebuilds the request with one content altered; false when the original content still occurs
// in that buffer (so the rule may fire legitimately and the check would prove nothing).
bool buildNearMiss(const Signature& signature, size_t match, size_t item, OwnedRequest& request,
                   uint32_t client_id) {
  auto altered = signature;
  auto& content = std::get<Content>(altered.buffers[match].items[item]);
  alterContent(content);
  Plan plan;
  if (!planRequest(altered, plan).empty()) {
    return false;
  }
  fillRequest(altered, plan, request);
  request.client_id = client_id;
  if (!request.build().empty()) {
    return false;
  }
  const auto& original = std::get<Content>(signature.buffers[match].items[item]);
  const auto data = listData(request, signature.buffers[match]);
  return !data || !containsBytes(*data, original.pattern, original.nocase);
}

TEST_F(EtOpenTest, RulesWithPlainContentsFireOnTheirRequestAndNotOnANearMiss) {
  Inspector inspector(InspectorOptions{});
  Tally tally;
  uint32_t client_id = 1;
  for (uint32_t index = 0; index < set_->rules().size(); ++index) {
    const auto& signature = set_->rules()[index].signature;
    if (auto reason = alertsOnFirstMatch(signature); !reason.empty()) {
      tally.leaveOut(signature, reason);
      continue;
    }
    OwnedRequest request;
    if (!buildPositive(signature, request, ++client_id, tally)) {
      continue;
    }
    ++tally.covered;
    if (!firesRule(inspector, set_, request, index)) {
      tally.fail(signature, "does not fire on " + describe(request));
      continue;
    }

    // The body fed in two chunks, split in the middle.
    if (!request.body.empty() && request.body.size() > 1) {
      ++tally.body_splits;
      OwnedRequest split;
      buildPositive(signature, split, ++client_id, tally);
      if (!firesRule(inspector, set_, split, index, (split.body.size() + 1) / 2)) {
        tally.fail(signature, "does not fire when the body comes in two chunks");
      }
    }

    // Near misses: the prefilter literal altered, then (when there is one) another content,
    // which only exact verification can catch.
    const auto [fast_match, fast_item] = fastPatternOf(signature);
    OwnedRequest miss;
    if (buildNearMiss(signature, fast_match, fast_item, miss, ++client_id)) {
      ++tally.negatives;
      if (firesRule(inspector, set_, miss, index)) {
        tally.fail(signature, "fires with its fast pattern content altered: " + describe(miss));
      }
    }
    bool verified = false;
    for (size_t m = 0; m < signature.buffers.size() && !verified; ++m) {
      const auto& items = signature.buffers[m].items;
      for (size_t i = 0; i < items.size() && !verified; ++i) {
        const auto& content = std::get<Content>(items[i]);
        if (content.negated || (m == fast_match && i == fast_item)) {
          continue;
        }
        OwnedRequest other;
        if (!buildNearMiss(signature, m, i, other, ++client_id)) {
          continue;
        }
        verified = true;
        ++tally.verifier_negatives;
        if (firesRule(inspector, set_, other, index)) {
          tally.fail(signature, "fires with content " + std::to_string(i) + " of " +
                                    bufferName(signature.buffers[m].buffer) +
                                    " altered: " + describe(other));
        }
      }
    }
  }

  std::cout << "synthesised: " << tally.covered << " rules fired on their request ("
            << tally.body_splits << " also with a split body), " << tally.negatives
            << " fast-pattern near misses, " << tally.verifier_negatives
            << " other-content near misses\n";
  for (const auto& [reason, count] : tally.left_out) {
    std::cout << "  left out, " << reason << ": " << count << " (e.g. sid";
    for (const auto sid : tally.examples[reason]) {
      std::cout << " " << sid;
    }
    std::cout << ")\n";
  }
  for (const auto& failure : tally.failures) {
    ADD_FAILURE() << failure;
  }
  EXPECT_GT(tally.covered, 3000U);
  EXPECT_GT(tally.verifier_negatives, 500U);
}

// Ordinary browser traffic: a Chrome page load with its assets, a login form, JSON API calls.
std::vector<OwnedRequest> browserRequests() {
  const std::vector<std::pair<std::string, std::string>> chrome = {
      {"Host", "shop.example.com"},
      {"Connection", "keep-alive"},
      {"sec-ch-ua", R"("Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99")"},
      {"sec-ch-ua-mobile", "?0"},
      {"sec-ch-ua-platform", "\"Windows\""},
      {"Upgrade-Insecure-Requests", "1"},
      {"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                     "like Gecko) Chrome/124.0.0.0 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                 "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"},
      {"Sec-Fetch-Site", "same-origin"},
      {"Sec-Fetch-Mode", "navigate"},
      {"Sec-Fetch-Dest", "document"},
      {"Referer", "https://shop.example.com/"},
      {"Accept-Encoding", "gzip, deflate, br, zstd"},
      {"Accept-Language", "en-US,en;q=0.9,de;q=0.8"},
      {"Cookie", "sid=6f1c2a9e4b7d4e0f9a3c; theme=dark; _ga=GA1.2.123456789.1714000000"},
  };
  const auto get = [&chrome](std::string target, std::string accept = {}) {
    OwnedRequest request;
    request.target = std::move(target);
    request.headers = chrome;
    if (!accept.empty()) {
      request.headers[7].second = std::move(accept);
      request.headers[10].second = "empty";
    }
    return request;
  };
  const auto send = [&chrome](std::string method, std::string target, std::string type,
                              std::string body) {
    OwnedRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.headers = chrome;
    request.headers[7].second = type == "application/json" ? "application/json" : "*/*";
    request.headers.emplace_back("Origin", "https://shop.example.com");
    request.headers.emplace_back("Content-Type", std::move(type));
    request.headers.emplace_back("Content-Length", std::to_string(body.size()));
    request.body = std::move(body);
    return request;
  };
  std::vector<OwnedRequest> requests;
  requests.push_back(get("/"));
  requests.push_back(get("/static/css/main.3f2a1c.css", "text/css,*/*;q=0.1"));
  requests.push_back(get("/static/js/app.8d41e2.js", "*/*"));
  requests.push_back(get("/static/js/vendor.chunk.js", "*/*"));
  requests.push_back(get("/images/logo.svg", "image/avif,image/webp,image/apng,*/*;q=0.8"));
  requests.push_back(get("/images/products/4711-large.jpg", "image/avif,image/webp,*/*;q=0.8"));
  requests.push_back(get("/fonts/inter-var.woff2", "*/*"));
  requests.push_back(get("/favicon.ico", "image/avif,image/webp,*/*;q=0.8"));
  requests.push_back(get("/login"));
  requests.push_back(send("POST", "/login", "application/x-www-form-urlencoded",
                          "username=alice%40example.com&password=correct+horse+battery&"
                          "remember=on&csrf_token=9c1f3b7a2e"));
  requests.push_back(get("/account/orders?page=2&sort=date_desc"));
  requests.push_back(get("/search?q=winter+jackets&size=m&color=navy"));
  requests.push_back(get("/products/4711-merino-sweater"));
  requests.push_back(get("/api/v1/cart", "application/json"));
  requests.push_back(send("POST", "/api/v1/cart/items", "application/json",
                          R"({"product_id":4711,"quantity":2,"options":{"size":"M"}})"));
  requests.push_back(send("PUT", "/api/v1/profile", "application/json",
                          R"({"display_name":"Alice","newsletter":true,"locale":"en-US"})"));
  requests.push_back(get("/api/v1/recommendations?limit=12&context=home", "application/json"));
  requests.push_back(get("/robots.txt", "*/*"));
  requests.push_back(get("/blog/2024/04/spring-collection", ""));
  requests.push_back(send("POST", "/api/v1/events", "application/json",
                          R"({"type":"page_view","path":"/products/4711","ts":1714000000})"));
  return requests;
}

TEST_F(EtOpenTest, BrowserTrafficIsNeverBlocked) {
  Inspector inspector(InspectorOptions{});
  auto requests = browserRequests();
  std::map<uint32_t, size_t> fired;
  for (auto& request : requests) {
    ASSERT_EQ(request.build(), "") << request.target;
    RequestInspection state;
    inspectRequest(inspector, set_, request, state);
    EXPECT_FALSE(state.scanError()) << request.method << " " << request.target;
    EXPECT_LE(state.decision(), Decision::Alert) << request.method << " " << request.target;
    for (const auto& hit : state.hits()) {
      EXPECT_FALSE(hit.would_block) << request.target;
      ++fired[hit.rule];
    }
  }
  std::cout << requests.size() << " browser requests, " << fired.size() << " rules fired\n";
  for (const auto& [rule, count] : fired) {
    const auto& signature = set_->rules()[rule].signature;
    std::cout << "  sid " << signature.sid << " x" << count << " (" << signature.classtype
              << "): " << signature.msg << "\n";
  }
  EXPECT_EQ(requests.size(), 20U);
}

}  // namespace
}  // namespace bulwark::rules
