#pragma once

// Exact verification of one rule's matches on one buffer, with Suricata's semantics for
// content positions (offset, depth, distance, within), negation, pcre, isdataat and sizes.

#include <string_view>

#include "rules/signature_set.h"

struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace bulwark::rules {

// Per-worker state for verification: PCRE2 match data and the limits that keep one hostile
// request from costing unbounded time. Not thread-safe.
class Verifier {
 public:
  // `recursion_limit`: how many content positions one list may try while backtracking (as
  // Suricata's inspection recursion limit); `pcre_match_limit`: PCRE2's match limit. Past
  // either, the list does not match and exhausted() says so.
  explicit Verifier(uint32_t recursion_limit = 3000, uint32_t pcre_match_limit = 100000);
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // True when every item of `match` holds on `buffer`. `lowered` is `buffer` in lower case
  // (needed when compiled.needs_lowered; may be empty otherwise). noexcept: a PCRE2 error
  // counts as no match and sets error().
  bool matches(const BufferMatch& match, const SignatureSet::CompiledMatch& compiled,
               std::string_view buffer, std::string_view lowered) noexcept;

  // Whether the last matches() call ran out of budget or hit a PCRE2 error.
  bool exhausted() const noexcept { return exhausted_; }
  bool error() const noexcept { return error_; }

 private:
  bool matchFrom(size_t index, int64_t previous_end) noexcept;
  bool matchContent(size_t index, const Content& content, int64_t previous_end) noexcept;
  bool matchPcre(size_t index, const Pcre& pcre, int64_t previous_end) noexcept;

  const BufferMatch* match_ = nullptr;
  const SignatureSet::CompiledMatch* compiled_ = nullptr;
  std::string_view buffer_;
  std::string_view lowered_;
  uint32_t budget_ = 0;
  uint32_t recursion_limit_;
  bool exhausted_ = false;
  bool error_ = false;
  pcre2_real_match_data_8* match_data_ = nullptr;
  pcre2_real_match_context_8* match_context_ = nullptr;
};

}  // namespace bulwark::rules
