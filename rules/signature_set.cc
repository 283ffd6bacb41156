#include "rules/signature_set.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <hs/hs.h>
#include <pcre2.h>

#include "common/logging.h"
#include "common/strings.h"
#include "rules/content_hash.h"

namespace bulwark::rules {
namespace {

RuleProblem compileProblem(const Signature& signature, std::string reason, std::string detail) {
  RuleProblem problem;
  problem.severity = RuleProblem::Severity::Error;
  problem.file = signature.file;
  problem.line = signature.line;
  problem.sid = signature.sid;
  problem.reason = std::move(reason);
  problem.detail = std::move(detail);
  return problem;
}

uint32_t pcreOptions(const Pcre& pcre) {
  uint32_t options = 0;
  options |= pcre.caseless ? PCRE2_CASELESS : 0;
  options |= pcre.dotall ? PCRE2_DOTALL : 0;
  options |= pcre.multiline ? PCRE2_MULTILINE : 0;
  options |= pcre.extended ? PCRE2_EXTENDED : 0;
  options |= pcre.anchored ? PCRE2_ANCHORED : 0;
  options |= pcre.dollar_endonly ? PCRE2_DOLLAR_ENDONLY : 0;
  options |= pcre.ungreedy ? PCRE2_UNGREEDY : 0;
  return options;
}

// Compiles a rule's pcre with PCRE2 (JIT when the platform has it). Null with `error` set when
// PCRE2 refuses the pattern.
pcre2_code* compilePcre(const Pcre& pcre, std::string& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  auto* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre.regex.data()), pcre.regex.size(),
                                 pcreOptions(pcre), &code, &offset, nullptr);
  if (compiled == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof(message));
    error = fmt::format("pcre \"{}\" at offset {}: {}", pcre.regex, offset,
                        reinterpret_cast<const char*>(message));
    return nullptr;
  }
  // Without JIT the interpreter still gives the same answers, only slower.
  pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
  return compiled;
}

// The literal a rule is nominated by: its fast_pattern content if it names one, else its
// longest positive content. Returns false when the rule has no positive content at all.
struct FastPattern {
  size_t match = 0;
  std::string literal;
  bool nocase = false;
};

bool chooseFastPattern(const Signature& signature, FastPattern& out) {
  bool found = false;
  bool explicit_choice = false;
  for (size_t m = 0; m < signature.buffers.size(); ++m) {
    for (const auto& item : signature.buffers[m].items) {
      const auto* content = std::get_if<Content>(&item);
      if (content == nullptr || content->negated || content->pattern.empty()) {
        continue;
      }
      const bool better =
          content->fast_pattern
              ? !explicit_choice
              : !explicit_choice && (!found || content->pattern.size() > out.literal.size());
      if (!better) {
        continue;
      }
      out.match = m;
      out.literal = content->pattern;
      if (content->fast_pattern_slice) {
        const auto [offset, length] = *content->fast_pattern_slice;
        out.literal =
            content->pattern.substr(std::min<size_t>(offset, content->pattern.size()), length);
      }
      out.nocase = content->nocase;
      explicit_choice = content->fast_pattern;
      found = !out.literal.empty();
    }
  }
  return found;
}

// The literal compiler refuses a pattern whose first byte is NUL (it reads it as an empty
// string). A literal only nominates a rule for exact verification, so the part after the leading
// NULs nominates a superset. A literal of NULs only is dropped: the rule is then verified
// whenever its first buffer is present, like a rule without contents.
bool dropLeadingNuls(std::string& literal) {
  const auto first = literal.find_first_not_of('\0');
  if (first == std::string::npos) {
    return false;
  }
  literal.erase(0, first);
  return true;
}

Phase phaseOf(const Signature& signature) {
  bool all_sni = true;
  for (const auto& match : signature.buffers) {
    if (match.buffer == Buffer::RequestBody) {
      return Phase::Body;
    }
    all_sni = all_sni && match.buffer == Buffer::TlsSni;
  }
  return all_sni ? Phase::Handshake : Phase::Headers;
}

// Whether a prefilter hit on `literal` alone proves the whole rule: one buffer, one positive
// content, no position constraints, the literal is that content whole, and nothing outside the
// content (addresses, flowbit checks) can still refuse it. Such a body rule is decided the
// moment its literal streams past, without verifying against the body kept so far.
bool provenByPrefilter(const Signature& signature, const std::string& literal) {
  if (signature.buffers.size() != 1 || signature.buffers[0].items.size() != 1 ||
      !signature.buffers[0].transforms.empty()) {
    return false;
  }
  const auto* content = std::get_if<Content>(&signature.buffers[0].items[0]);
  if (content == nullptr || content->negated || content->startswith || content->endswith ||
      content->offset || content->depth || content->relative() || content->pattern != literal) {
    return false;
  }
  const bool flowbit_checks =
      std::any_of(signature.flowbits.begin(), signature.flowbits.end(), [](const auto& bit) {
        return bit.op == Flowbit::Op::IsSet || bit.op == Flowbit::Op::IsNotSet;
      });
  return !flowbit_checks && signature.source.any() && signature.destination.any() &&
         signature.source_ports.any() && signature.destination_ports.any();
}

struct Literals {
  std::vector<std::string> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
};

// The cache key covers everything the database is built from, and the library version.
std::string cacheKey(const Literals& literals, unsigned mode) {
  ContentHash hash;
  hash.add(hs_version());
  hash.add(std::to_string(mode));
  for (size_t i = 0; i < literals.patterns.size(); ++i) {
    hash.add(fmt::format("{}:{}", literals.ids[i], literals.flags[i]));
    hash.add(literals.patterns[i]);
  }
  return hash.hex();
}

hs_database_t* loadCached(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return nullptr;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const auto data = bytes.str();
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(data.data(), data.size(), &db) != HS_SUCCESS) {
    return nullptr;
  }
  return db;
}

void storeCached(const std::string& path, hs_database_t* db) {
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) {
    return;
  }
  // Written under a temporary name and renamed, so a concurrent reader never sees half a file.
  const auto temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes, static_cast<std::streamsize>(size));
  }
  std::free(bytes);
  std::error_code ignored;
  std::filesystem::rename(temporary, path, ignored);
}

hs_database_t* compileLiterals(const Literals& literals, unsigned mode, std::string& error) {
  std::vector<const char*> expressions;
  std::vector<size_t> lengths;
  for (const auto& pattern : literals.patterns) {
    expressions.push_back(pattern.data());
    lengths.push_back(pattern.size());
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  const auto status = hs_compile_lit_multi(
      expressions.data(), literals.flags.data(), literals.ids.data(), lengths.data(),
      static_cast<unsigned>(expressions.size()), mode, nullptr, &db, &compile_error);
  if (status != HS_SUCCESS) {
    error = compile_error != nullptr ? compile_error->message : "unknown error";
    hs_free_compile_error(compile_error);
    return nullptr;
  }
  return db;
}

} // namespace

SignatureSet::~SignatureSet() {
  for (auto& list : lists_) {
    hs_free_database(list.block_db);
    hs_free_database(list.stream_db);
  }
  for (auto& rule : rules_) {
    for (auto& match : rule.matches) {
      for (auto* pcre : match.pcres) {
        pcre2_code_free(pcre);
      }
    }
  }
}

bool SignatureSet::AddressMatch::matches(const IpAddress& address) const noexcept {
  const auto in = [&address](const IpRange& range) {
    return range.first <= address && address <= range.last;
  };
  if (std::any_of(exclude.begin(), exclude.end(), in)) {
    return false;
  }
  return include.empty() || std::any_of(include.begin(), include.end(), in);
}

namespace {

bool compileAddresses(const AddressSpec& spec, SignatureSet::AddressMatch& out,
                      std::string& error) {
  for (const auto& range : spec.ranges) {
    std::string reason;
    const auto parsed = parseIpRange(range.text, reason);
    if (!parsed) {
      error = fmt::format("address \"{}\": {}", range.text, reason);
      return false;
    }
    (range.negated ? out.exclude : out.include).push_back(*parsed);
  }
  return true;
}

} // namespace

// Turns signatures into rules with lists, literal tables and compiled pcres.
class SignatureSetBuilder {
public:
  SignatureSetBuilder(SignatureSet& set, std::vector<RuleProblem>& problems)
      : set_(set), problems_(problems) {}

  void addRule(Signature signature);
  bool buildDatabases(const CompileOptions& options);

private:
  uint32_t listFor(const BufferMatch& match);
  bool compileMatch(const Signature& signature, const BufferMatch& match,
                    SignatureSet::CompiledMatch& out);
  void addFlowbits(SignatureSet::Rule& rule);
  void nominate(uint32_t rule_index);
  void isolateBadLiterals(size_t list_index);
  hs_database_t* buildDatabase(const Literals& literals, unsigned mode,
                               const CompileOptions& options, std::string& error);

  SignatureSet& set_;
  std::vector<RuleProblem>& problems_;
  std::map<std::string, uint32_t> list_ids_;
  std::vector<Literals> literals_;                                            // per list
  std::vector<std::map<std::pair<std::string, bool>, unsigned>> literal_ids_; // per list
};

uint32_t SignatureSetBuilder::listFor(const BufferMatch& match) {
  std::string key(1, static_cast<char>(match.buffer));
  for (const auto transform : match.transforms) {
    key.push_back(static_cast<char>(transform));
  }
  const auto [it, inserted] = list_ids_.try_emplace(key, set_.lists_.size());
  if (inserted) {
    SignatureSet::List list;
    list.buffer = match.buffer;
    list.transforms = match.transforms;
    set_.lists_.push_back(std::move(list));
    literals_.emplace_back();
    literal_ids_.emplace_back();
  }
  return it->second;
}

bool SignatureSetBuilder::compileMatch(const Signature& signature, const BufferMatch& match,
                                       SignatureSet::CompiledMatch& out) {
  out.list = listFor(match);
  const auto count = match.items.size();
  out.lowered.resize(count);
  out.pcres.assign(count, nullptr);
  out.relative_after.assign(count, 0);
  bool relative_seen = false;
  for (size_t i = count; i-- > 0;) {
    out.relative_after[i] = relative_seen ? 1 : 0;
    const auto& item = match.items[i];
    if (const auto* content = std::get_if<Content>(&item)) {
      relative_seen = relative_seen || content->relative();
      if (content->nocase) {
        out.lowered[i] = toLowerAscii(content->pattern);
        out.needs_lowered = true;
      }
    } else if (const auto* pcre = std::get_if<Pcre>(&item)) {
      relative_seen = relative_seen || pcre->relative;
      std::string error;
      out.pcres[i] = compilePcre(*pcre, error);
      if (out.pcres[i] == nullptr) {
        problems_.push_back(compileProblem(signature, "pcre", error));
        return false;
      }
    } else if (const auto* isdataat = std::get_if<IsDataAt>(&item)) {
      relative_seen = relative_seen || isdataat->relative;
    }
  }
  return true;
}

void SignatureSetBuilder::addFlowbits(SignatureSet::Rule& rule) {
  for (const auto& flowbit : rule.signature.flowbits) {
    if (flowbit.op == Flowbit::Op::NoAlert) {
      rule.noalert = true;
      continue;
    }
    std::vector<uint16_t> ids;
    for (const auto& name : flowbit.names) {
      const auto [it, inserted] =
          set_.flowbit_names_.try_emplace(name, static_cast<uint16_t>(set_.flowbit_names_.size()));
      ids.push_back(it->second);
    }
    const bool sets = flowbit.op == Flowbit::Op::Set || flowbit.op == Flowbit::Op::Unset ||
                      flowbit.op == Flowbit::Op::Toggle;
    rule.sets_flowbits = rule.sets_flowbits || sets;
    rule.flowbit_any_of_check = rule.flowbit_any_of_check || flowbit.any_of;
    rule.flowbits.emplace_back(flowbit.op, std::move(ids));
  }
}

void SignatureSetBuilder::nominate(uint32_t rule_index) {
  auto& rule = set_.rules_[rule_index];
  FastPattern fast;
  if (!chooseFastPattern(rule.signature, fast) || !dropLeadingNuls(fast.literal)) {
    const auto list = rule.matches.front().list;
    if (set_.lists_[list].buffer == Buffer::RequestBody) {
      set_.body_unconditional_.push_back(rule_index);
    } else {
      set_.lists_[list].unconditional.push_back(rule_index);
    }
    return;
  }
  rule.proven_by_prefilter = provenByPrefilter(rule.signature, fast.literal);
  const auto list = rule.matches[fast.match].list;
  const auto key =
      std::make_pair(fast.nocase ? toLowerAscii(fast.literal) : fast.literal, fast.nocase);
  auto& ids = literal_ids_[list];
  const auto [it, inserted] = ids.try_emplace(key, static_cast<unsigned>(ids.size()));
  if (inserted) {
    auto& literals = literals_[list];
    literals.patterns.push_back(key.first);
    literals.flags.push_back(HS_FLAG_SINGLEMATCH | (fast.nocase ? HS_FLAG_CASELESS : 0));
    literals.ids.push_back(it->second);
    set_.lists_[list].pattern_rules.emplace_back();
  }
  set_.lists_[list].pattern_rules[it->second].push_back(rule_index);
}

void SignatureSetBuilder::addRule(Signature signature) {
  SignatureSet::Rule rule;
  rule.signature = std::move(signature);
  if (rule.signature.buffers.empty()) {
    problems_.push_back(compileProblem(rule.signature, "no_inspection_buffer",
                                       "the rule inspects no request buffer"));
    return;
  }
  for (const auto& match : rule.signature.buffers) {
    SignatureSet::CompiledMatch compiled;
    const bool ok = compileMatch(rule.signature, match, compiled);
    rule.matches.push_back(std::move(compiled));
    if (!ok) {
      for (auto& done : rule.matches) {
        for (auto* pcre : done.pcres) {
          pcre2_code_free(pcre);
        }
      }
      return;
    }
  }
  std::string error;
  if (!compileAddresses(rule.signature.source, rule.source, error) ||
      !compileAddresses(rule.signature.destination, rule.destination, error)) {
    problems_.push_back(compileProblem(rule.signature, "address", error));
    for (auto& done : rule.matches) {
      for (auto* pcre : done.pcres) {
        pcre2_code_free(pcre);
      }
    }
    return;
  }
  const auto& header = rule.signature;
  rule.checks_endpoints = !header.source.any() || !header.destination.any() ||
                          !header.source_ports.any() || !header.destination_ports.any();
  rule.phase = phaseOf(rule.signature);
  addFlowbits(rule);
  set_.rules_.push_back(std::move(rule));
  nominate(static_cast<uint32_t>(set_.rules_.size() - 1));
}

hs_database_t* SignatureSetBuilder::buildDatabase(const Literals& literals, unsigned mode,
                                                  const CompileOptions& options,
                                                  std::string& error) {
  std::string cache_path;
  if (!options.cache_dir.empty()) {
    cache_path = fmt::format("{}/{}.hsdb", options.cache_dir, cacheKey(literals, mode));
    if (auto* db = loadCached(cache_path)) {
      ++set_.cache_hits_;
      return db;
    }
  }
  auto* db = compileLiterals(literals, mode, error);
  if (db != nullptr && !cache_path.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(options.cache_dir, ignored);
    storeCached(cache_path, db);
  }
  return db;
}

void SignatureSetBuilder::isolateBadLiterals(size_t list_index) {
  auto& list = set_.lists_[list_index];
  auto& literals = literals_[list_index];
  Literals kept;
  for (size_t i = 0; i < literals.patterns.size(); ++i) {
    Literals one;
    one.patterns = {literals.patterns[i]};
    one.flags = {literals.flags[i]};
    one.ids = {literals.ids[i]};
    std::string error;
    hs_database_t* db = compileLiterals(one, HS_MODE_BLOCK, error);
    if (db != nullptr) {
      hs_free_database(db);
      kept.patterns.push_back(std::move(literals.patterns[i]));
      kept.flags.push_back(literals.flags[i]);
      kept.ids.push_back(literals.ids[i]);
      continue;
    }
    for (const auto rule : list.pattern_rules[literals.ids[i]]) {
      (list.buffer == Buffer::RequestBody ? set_.body_unconditional_ : list.unconditional)
          .push_back(rule);
      set_.rules_[rule].proven_by_prefilter = false;
      // The rule still loads, so this is a warning, not a problem that leaves it out.
      const auto& signature = set_.rules_[rule].signature;
      log(LogArea::Rules)
          .warn("{}:{}: sid {}: prefilter literal refused ({}); the rule is "
                "verified on every request instead",
                signature.file, signature.line, signature.sid, error);
    }
    list.pattern_rules[literals.ids[i]].clear();
  }
  literals = std::move(kept);
}

bool SignatureSetBuilder::buildDatabases(const CompileOptions& options) {
  for (size_t i = 0; i < set_.lists_.size(); ++i) {
    auto& list = set_.lists_[i];
    const auto& literals = literals_[i];
    if (literals.patterns.empty()) {
      continue;
    }
    set_.pattern_count_ += literals.patterns.size();
    std::string error;
    list.block_db = buildDatabase(literals, HS_MODE_BLOCK, options, error);
    if (list.block_db == nullptr) {
      // One literal the library refuses must not fail the whole set: find it, let its rules
      // be verified without a prefilter, and build the database from the rest.
      isolateBadLiterals(i);
      list.block_db = buildDatabase(literals, HS_MODE_BLOCK, options, error);
    }
    const bool streams = list.buffer == Buffer::RequestBody && list.transforms.empty();
    if (list.block_db != nullptr && streams) {
      list.stream_db = buildDatabase(literals, HS_MODE_STREAM, options, error);
      set_.body_stream_list_ = static_cast<int>(i);
    }
    if (list.block_db == nullptr || (streams && list.stream_db == nullptr)) {
      RuleProblem problem;
      problem.severity = RuleProblem::Severity::Error;
      problem.reason = "prefilter";
      problem.detail = fmt::format("{} database: {}", bufferName(list.buffer), error);
      problems_.push_back(std::move(problem));
      return false;
    }
  }
  return true;
}

std::shared_ptr<const SignatureSet> SignatureSet::compile(std::vector<Signature> signatures,
                                                          const CompileOptions& options,
                                                          std::vector<RuleProblem>& problems) {
  std::shared_ptr<SignatureSet> set(new SignatureSet());
  set->rules_.reserve(signatures.size());
  SignatureSetBuilder builder(*set, problems);
  for (auto& signature : signatures) {
    builder.addRule(std::move(signature));
  }
  if (!builder.buildDatabases(options)) {
    return nullptr;
  }
  return set;
}

} // namespace bulwark::rules
