#include "rules/url_list.h"

#include <algorithm>

#include <re2/re2.h>
#include <re2/set.h>

#include "common/strings.h"
#include "rules/normalize.h"

namespace bulwark::rules {
namespace {

// A big list of regexes needs more than RE2's default 8 MiB for its DFA; a budget that is too
// small shows as UrlMatchStatus::Error at match time, never as a silent miss.
constexpr int64_t kRegexMemoryBudget = 64 << 20;

// TODO(rules): prefix and exact entries fold ASCII letters only, while IIS also ignores the case
// of non-ASCII letters (`/ÉTÉ` is `/été`). Meanwhile an operator can list both spellings or use
// a ~regex, which folds case the Unicode way.
inline uint8_t foldByte(char c, UrlCase letter_case) noexcept {
  const auto byte = static_cast<uint8_t>(c);
  if (letter_case == UrlCase::Sensitive || byte < 'A' || byte > 'Z') {
    return byte;
  }
  return static_cast<uint8_t>(byte + ('a' - 'A'));
}

// Compares a stored pattern (already folded) with the first bytes of `path` folded the same way,
// as unsigned bytes, the order std::string sorts in. Returns <0, 0 (pattern is a prefix of
// path) or >0.
int comparePrefix(std::string_view pattern, std::string_view path, UrlCase letter_case) noexcept {
  const size_t common = std::min(pattern.size(), path.size());
  for (size_t i = 0; i < common; ++i) {
    const auto stored = static_cast<uint8_t>(pattern[i]);
    const uint8_t seen = foldByte(path[i], letter_case);
    if (stored != seen) {
      return stored < seen ? -1 : 1;
    }
  }
  return pattern.size() <= path.size() ? 0 : 1;
}

std::string quoted(std::string_view text) {
  constexpr size_t kShown = 80;
  std::string out = "'";
  out.append(text.substr(0, kShown));
  out.append(text.size() > kShown ? "...'" : "'");
  return out;
}

} // namespace

// The regex lines of a list, compiled together, and the entry each one came from.
struct UrlSet::Regexes {
  explicit Regexes(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}

  RE2::Set set;
  std::vector<uint32_t> entries; // regex index in `set` -> index in entries_
};

class UrlSet::Builder {
public:
  Builder(std::string_view file_name, std::vector<ListProblem>& problems, UrlListOptions options)
      : problems_(problems) {
    set_.source_ = std::string(file_name);
    set_.letter_case_ = options.letter_case;
    set_.exact_ = decltype(set_.exact_)(0, UrlPathHash{options.letter_case},
                                        UrlPathEqual{options.letter_case});

    RE2::Options re2_options;
    re2_options.set_case_sensitive(options.letter_case == UrlCase::Sensitive);
    re2_options.set_log_errors(false);
    re2_options.set_max_mem(kRegexMemoryBudget);
    regexes_ = std::make_shared<Regexes>(re2_options);
  }

  void addLine(uint32_t line, std::string_view content) {
    switch (content.front()) {
    case '/':
      addPath(line, UrlEntryKind::Prefix, content);
      return;
    case '=':
      if (content.size() < 2 || content[1] != '/') {
        report(line, quoted(content) + ": '=' must be followed by a path starting with '/'");
        return;
      }
      addPath(line, UrlEntryKind::Exact, content.substr(1));
      return;
    case '~':
      addRegex(line, content.substr(1));
      return;
    default:
      report(line, "expected /prefix, =/exact/path or ~regex, got " + quoted(content));
    }
  }

  UrlSet finish() {
    keepShortestPrefixes();
    if (!regexes_->entries.empty()) {
      if (regexes_->set.Compile()) {
        set_.regexes_ = std::move(regexes_);
      } else {
        report(0, "the " + std::to_string(regexes_->entries.size()) +
                      " regexes do not fit RE2's memory budget; none of them is in force");
      }
    }
    return std::move(set_);
  }

private:
  void report(uint32_t line, std::string reason) {
    problems_.push_back({set_.source_, line, std::move(reason)});
  }

  void addPath(uint32_t line, UrlEntryKind kind, std::string_view written) {
    if (written.find('?') != std::string_view::npos) {
      report(line, quoted(written) + ": a path entry never sees the query; match it with ~regex");
      return;
    }
    NormalizedPath normalized;
    const PathVerdict verdict = normalizePath(written, normalized);
    if (verdict != PathVerdict::Ok) {
      report(line, quoted(written) + ": not a valid path (" +
                       std::string(pathVerdictName(verdict)) + ")");
      return;
    }

    std::string pattern = set_.letter_case_ == UrlCase::Insensitive ? toLowerAscii(normalized.path)
                                                                    : std::move(normalized.path);
    const auto index = static_cast<uint32_t>(set_.entries_.size());
    if (kind == UrlEntryKind::Exact) {
      // A path written twice keeps its first line.
      if (!set_.exact_.try_emplace(pattern, index).second) {
        return;
      }
    } else {
      set_.prefixes_.push_back(index);
    }
    set_.entries_.push_back({kind, line, std::move(pattern)});
  }

  void addRegex(uint32_t line, std::string_view regex) {
    if (regex.empty()) {
      report(line, "'~' must be followed by a regex");
      return;
    }
    std::string error;
    if (regexes_->set.Add(regex, &error) < 0) {
      report(line, quoted(regex) + ": bad regex: " + error);
      return;
    }
    regexes_->entries.push_back(static_cast<uint32_t>(set_.entries_.size()));
    set_.entries_.push_back({UrlEntryKind::Regex, line, std::string(regex)});
  }

  // Sorted, a prefix is followed by the patterns it covers; dropping those leaves a set where no
  // pattern is a prefix of another, so the greatest pattern not above a path is the only one
  // that can be its prefix.
  void keepShortestPrefixes() {
    std::vector<uint32_t>& prefixes = set_.prefixes_;
    const auto pattern = [this](uint32_t index) -> const std::string& {
      return set_.entries_[index].pattern;
    };
    std::stable_sort(prefixes.begin(), prefixes.end(),
                     [&](uint32_t a, uint32_t b) { return pattern(a) < pattern(b); });
    size_t kept = 0;
    for (size_t i = 0; i < prefixes.size(); ++i) {
      if (kept > 0 && pattern(prefixes[i]).starts_with(pattern(prefixes[kept - 1]))) {
        continue;
      }
      prefixes[kept++] = prefixes[i];
    }
    prefixes.resize(kept);
    prefixes.shrink_to_fit();
  }

  UrlSet set_;
  std::shared_ptr<Regexes> regexes_;
  std::vector<ListProblem>& problems_;
};

UrlSet UrlSet::fromText(std::string_view text, std::string_view file_name,
                        std::vector<ListProblem>& problems, UrlListOptions options) {
  try {
    Builder builder(file_name, problems, options);
    forEachListLine(
        text, TrailingComments::NotAllowed,
        [&](uint32_t line, std::string_view content) { builder.addLine(line, content); });
    return builder.finish();
  } catch (const std::exception& e) {
    problems.push_back({std::string(file_name), 0, std::string("cannot load list: ") + e.what()});
    return {};
  }
}

UrlSet UrlSet::fromFile(const std::string& path, std::vector<ListProblem>& problems,
                        UrlListOptions options) {
  const std::optional<std::string> text = readListFile(path, problems);
  if (!text) {
    UrlSet empty;
    empty.source_ = path;
    return empty;
  }
  return fromText(*text, path, problems, options);
}

size_t UrlPathHash::operator()(std::string_view path) const noexcept {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : path) {
    hash = (hash ^ foldByte(c, letter_case)) * 0x100000001b3ULL;
  }
  return static_cast<size_t>(hash);
}

bool UrlPathEqual::operator()(std::string_view a, std::string_view b) const noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (foldByte(a[i], letter_case) != foldByte(b[i], letter_case)) {
      return false;
    }
  }
  return true;
}

UrlMatch UrlSet::match(std::string_view path, std::string_view query) const noexcept {
  if (const auto exact = exact_.find(path); exact != exact_.end()) {
    return {UrlMatchStatus::Match, &entries_[exact->second]};
  }
  if (const UrlEntry* prefix = matchPrefix(path)) {
    return {UrlMatchStatus::Match, prefix};
  }
  if (regexes_ == nullptr) {
    return {};
  }
  return matchRegex(path, query);
}

const UrlEntry* UrlSet::matchPrefix(std::string_view path) const noexcept {
  // The first pattern above the path; the one before it is the only candidate.
  const auto above = std::upper_bound(
      prefixes_.begin(), prefixes_.end(), path, [this](std::string_view value, uint32_t index) {
        return comparePrefix(entries_[index].pattern, value, letter_case_) > 0;
      });
  if (above == prefixes_.begin()) {
    return nullptr;
  }
  const UrlEntry& candidate = entries_[*std::prev(above)];
  return comparePrefix(candidate.pattern, path, letter_case_) == 0 ? &candidate : nullptr;
}

UrlMatch UrlSet::matchRegex(std::string_view path, std::string_view query) const noexcept {
  // Per-thread scratch, so that a lookup allocates only when it sees a longer request than this
  // thread has seen before.
  thread_local std::string joined;
  thread_local std::vector<int> hits;

  const auto run = [this](std::string_view text) noexcept -> UrlMatch {
    RE2::Set::ErrorInfo error{};
    try {
      if (!regexes_->set.Match(text, nullptr, &error)) {
        return {error.kind == RE2::Set::kNoError ? UrlMatchStatus::NoMatch : UrlMatchStatus::Error};
      }
      // Which line matched: the first one written, when several do.
      hits.clear();
      if (!regexes_->set.Match(text, &hits, &error) || hits.empty()) {
        return {UrlMatchStatus::Error};
      }
      const int first = *std::min_element(hits.begin(), hits.end());
      return {UrlMatchStatus::Match, &entries_[regexes_->entries[static_cast<size_t>(first)]]};
    } catch (const std::exception&) {
      return {UrlMatchStatus::Error};
    }
  };

  UrlMatch result = run(path);
  if (result.status != UrlMatchStatus::NoMatch || query.empty()) {
    return result;
  }
  try {
    joined.assign(path);
    joined.push_back('?');
    joined.append(query);
  } catch (const std::exception&) {
    return {UrlMatchStatus::Error};
  }
  return run(joined);
}

size_t UrlSet::size() const noexcept {
  return exact_.size() + prefixes_.size() + (regexes_ ? regexes_->entries.size() : 0);
}

} // namespace bulwark::rules
