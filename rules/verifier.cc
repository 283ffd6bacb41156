#include "rules/verifier.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <algorithm>

#include <pcre2.h>

namespace bulwark::rules {
namespace {

struct Window {
  int64_t start = 0;
  int64_t end = 0; // exclusive: a match must end at or before it
};

// Where a content may match. Absolute: [offset, offset + depth) (Suricata counts depth from the
// offset). Relative: starts `distance` after the previous match's end, and with `within` must
// end within `within` bytes of that start.
Window contentWindow(const Content& content, int64_t previous_end, int64_t size) {
  Window window{0, size};
  if (content.relative()) {
    window.start = previous_end + content.distance.value_or(0);
    if (content.within) {
      window.end = std::min<int64_t>(size, window.start + *content.within);
    }
  } else {
    window.start = content.offset.value_or(0);
    if (content.depth) {
      window.end = std::min<int64_t>(size, window.start + *content.depth);
    }
  }
  if (content.startswith) {
    window.start = 0;
    window.end = std::min<int64_t>(size, static_cast<int64_t>(content.pattern.size()));
  }
  window.start = std::max<int64_t>(window.start, 0);
  window.end = std::max<int64_t>(window.end, 0);
  return window;
}

bool sizeHolds(const SizeCheck& check, uint64_t size) {
  switch (check.op) {
  case SizeCheck::Op::Eq:
    return size == check.lo;
  case SizeCheck::Op::Lt:
    return size < check.lo;
  case SizeCheck::Op::Gt:
    return size > check.lo;
  case SizeCheck::Op::Le:
    return size <= check.lo;
  case SizeCheck::Op::Ge:
    return size >= check.lo;
  case SizeCheck::Op::Range:
    return size > check.lo && size < check.hi;
  }
  return false;
}

} // namespace

Verifier::Verifier(uint32_t recursion_limit, uint32_t pcre_match_limit)
    : recursion_limit_(recursion_limit), match_data_(pcre2_match_data_create(1, nullptr)),
      match_context_(pcre2_match_context_create(nullptr)) {
  pcre2_set_match_limit(match_context_, pcre_match_limit);
  pcre2_set_depth_limit(match_context_, pcre_match_limit / 10);
}

Verifier::~Verifier() {
  pcre2_match_data_free(match_data_);
  pcre2_match_context_free(match_context_);
}

bool Verifier::matches(const BufferMatch& match, const SignatureSet::CompiledMatch& compiled,
                       std::string_view buffer, std::string_view lowered) noexcept {
  match_ = &match;
  compiled_ = &compiled;
  buffer_ = buffer;
  lowered_ = lowered;
  budget_ = recursion_limit_;
  exhausted_ = false;
  error_ = false;
  return matchFrom(0, 0);
}

bool Verifier::matchFrom(size_t index, int64_t previous_end) noexcept {
  if (index == match_->items.size()) {
    return true;
  }
  const auto& item = match_->items[index];
  const auto size = static_cast<int64_t>(buffer_.size());
  if (const auto* content = std::get_if<Content>(&item)) {
    return matchContent(index, *content, previous_end);
  }
  if (const auto* pcre = std::get_if<Pcre>(&item)) {
    return matchPcre(index, *pcre, previous_end);
  }
  if (const auto* check = std::get_if<SizeCheck>(&item)) {
    return sizeHolds(*check, buffer_.size()) && matchFrom(index + 1, previous_end);
  }
  const auto& isdataat = std::get<IsDataAt>(item);
  const int64_t position =
      (isdataat.relative ? previous_end : 0) + static_cast<int64_t>(isdataat.position);
  const bool has_data = position < size;
  return has_data != isdataat.negated && matchFrom(index + 1, previous_end);
}

bool Verifier::matchContent(size_t index, const Content& content, int64_t previous_end) noexcept {
  const auto haystack = content.nocase ? lowered_ : buffer_;
  const std::string_view needle =
      content.nocase ? std::string_view(compiled_->lowered[index]) : content.pattern;
  const auto size = static_cast<int64_t>(haystack.size());
  const auto length = static_cast<int64_t>(needle.size());
  auto window = contentWindow(content, previous_end, size);
  if (content.endswith) {
    window.start = std::max<int64_t>(window.start, window.end - length);
  }

  // Every position where the pattern fits in the window, first to last. A later relative item
  // may fail after one position and hold after another, so positive matches backtrack (within
  // the budget) when something relative follows.
  int64_t from = window.start;
  while (from + length <= window.end) {
    const auto found = haystack.substr(0, static_cast<size_t>(window.end)).find(needle, from);
    if (found == std::string_view::npos) {
      break;
    }
    const auto position = static_cast<int64_t>(found);
    if (content.endswith && position + length != size) {
      break;
    }
    if (content.negated) {
      return false;
    }
    if (budget_ == 0) {
      exhausted_ = true;
      return false;
    }
    --budget_;
    if (matchFrom(index + 1, position + length)) {
      return true;
    }
    if (!compiled_->relative_after[index]) {
      return false;
    }
    from = position + 1;
  }
  return content.negated && matchFrom(index + 1, previous_end);
}

bool Verifier::matchPcre(size_t index, const Pcre& pcre, int64_t previous_end) noexcept {
  const auto start =
      pcre.relative ? static_cast<PCRE2_SIZE>(std::max<int64_t>(previous_end, 0)) : PCRE2_SIZE{0};
  if (start > buffer_.size()) {
    return pcre.negated && matchFrom(index + 1, previous_end);
  }
  // A relative pcre sees the buffer from the previous match on, as its own subject: `^` anchors
  // there, as in Suricata.
  const int result =
      pcre2_match(compiled_->pcres[index], reinterpret_cast<PCRE2_SPTR>(buffer_.data() + start),
                  buffer_.size() - start, 0, 0, match_data_, match_context_);
  if (result == PCRE2_ERROR_NOMATCH) {
    return pcre.negated && matchFrom(index + 1, previous_end);
  }
  if (result < 0) {
    // The match limit, or an internal error: a hostile subject must not pass as "no match"
    // silently; the caller applies the scan-error policy.
    error_ = true;
    return false;
  }
  if (pcre.negated) {
    return false;
  }
  const auto* ovector = pcre2_get_ovector_pointer(match_data_);
  return matchFrom(index + 1, static_cast<int64_t>(start + ovector[1]));
}

} // namespace bulwark::rules
