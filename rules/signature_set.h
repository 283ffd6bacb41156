#pragma once

// The compiled signatures of a rule set, immutable: one prefilter database per inspected buffer,
// and everything needed to verify a candidate exactly. Shared by every worker through a
// std::shared_ptr<const SignatureSet>; per-worker state lives in an Inspector.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/ip_list.h"
#include "rules/rule_parser.h"
#include "rules/signature.h"

struct hs_database;
struct pcre2_real_code_8;

namespace bulwark::rules {

// When a rule can be decided: at the TLS handshake (only tls.sni), with the request head, or
// only once the body (or the part of it that is inspected) has been seen.
enum class Phase : uint8_t { Handshake, Headers, Body };

struct CompileOptions {
  // Where compiled prefilter databases are cached, keyed by a hash of their patterns; empty:
  // no cache. A cache entry that cannot be read is ignored and rewritten.
  std::string cache_dir;
};

class SignatureSet {
public:
  // One (buffer, transforms) pair that some rule inspects, with its prefilter database.
  struct List {
    Buffer buffer = Buffer::Uri;
    std::vector<Transform> transforms;
    hs_database* block_db = nullptr;  // literals; pattern id = index into pattern_rules
    hs_database* stream_db = nullptr; // the same literals in streaming mode (request body only)
    std::vector<std::vector<uint32_t>> pattern_rules; // pattern id -> rules that it nominates
    std::vector<uint32_t> unconditional; // rules on this list with no literal to prefilter by
  };

  // One BufferMatch of a rule with what matching needs beyond the Signature.
  struct CompiledMatch {
    uint32_t list = 0;
    std::vector<std::string> lowered;      // per item: nocase content pattern in lower case
    std::vector<pcre2_real_code_8*> pcres; // per item: compiled pcre, or null
    std::vector<uint8_t> relative_after;   // per item: some later item is relative
    bool needs_lowered = false;            // some content is nocase
  };

  // A rule header's addresses: in some include range (or no include ranges: any) and in no
  // exclude range.
  struct AddressMatch {
    std::vector<IpRange> include;
    std::vector<IpRange> exclude;
    bool matches(const IpAddress& address) const noexcept;
  };

  struct Rule {
    Signature signature;
    AddressMatch source;
    AddressMatch destination;
    bool checks_endpoints = false; // the header names addresses or ports, not just any
    Phase phase = Phase::Headers;
    std::vector<CompiledMatch> matches;
    std::vector<std::pair<Flowbit::Op, std::vector<uint16_t>>> flowbits; // names as bit ids
    bool flowbit_any_of_check = false;
    bool proven_by_prefilter = false; // its prefilter literal is the whole rule
    bool sets_flowbits = false;
    bool noalert = false;
  };

  ~SignatureSet();
  SignatureSet(const SignatureSet&) = delete;
  SignatureSet& operator=(const SignatureSet&) = delete;

  // Compiles `signatures` (file order is verdict order). A signature that cannot be compiled
  // (a pcre PCRE2 refuses, say) is left out and reported in `problems` with its file, line and
  // sid; the rest still compile. Returns null only when the prefilter itself cannot be built,
  // with the reason in `problems`. Call from the control thread; it can take seconds.
  static std::shared_ptr<const SignatureSet> compile(std::vector<Signature> signatures,
                                                     const CompileOptions& options,
                                                     std::vector<RuleProblem>& problems);

  const std::vector<Rule>& rules() const noexcept { return rules_; }
  const std::vector<List>& lists() const noexcept { return lists_; }
  size_t flowbitCount() const noexcept { return flowbit_names_.size(); }

  // Largest scratch any database needs, for Inspector construction.
  size_t patternCount() const noexcept { return pattern_count_; }
  // The list inspecting the raw request body with streaming, or -1 when no rule needs it.
  int bodyStreamList() const noexcept { return body_stream_list_; }
  // Rules of the Body phase whose body lists cannot be prefiltered in streaming mode.
  const std::vector<uint32_t>& bodyUnconditional() const noexcept { return body_unconditional_; }

  // Hit counts for the disk cache, for tests and the log.
  size_t cacheHits() const noexcept { return cache_hits_; }

private:
  friend class SignatureSetBuilder;
  SignatureSet() = default;

  std::vector<Rule> rules_;
  std::vector<List> lists_;
  std::unordered_map<std::string, uint16_t> flowbit_names_;
  std::vector<uint32_t> body_unconditional_;
  int body_stream_list_ = -1;
  size_t pattern_count_ = 0;
  size_t cache_hits_ = 0;
};

} // namespace bulwark::rules
