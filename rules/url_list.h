#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/list_file.h"

namespace bulwark::rules {

// How a URL list compares letters. Insensitive is the default: IIS reads paths without regard to
// case, so `/Admin` and `/admin` are the same page.
enum class UrlCase : uint8_t { Insensitive, Sensitive };

struct UrlListOptions {
  UrlCase letter_case = UrlCase::Insensitive;
};

enum class UrlEntryKind : uint8_t { Prefix, Exact, Regex };

// One line of a URL list.
struct UrlEntry {
  UrlEntryKind kind = UrlEntryKind::Prefix;
  uint32_t line = 0;   // 1-based
  std::string pattern; // prefix or exact path after normalisation (lower case unless the list
                       // is case sensitive); a regex as written, without its '~'
};

enum class UrlMatchStatus : uint8_t {
  NoMatch,
  Match,
  // The regex engine could not finish (out of its memory budget, or no memory to join path and
  // query). Neither a match nor a miss: the caller applies its fail-open/fail-closed policy.
  Error,
};

struct UrlMatch {
  UrlMatchStatus status = UrlMatchStatus::NoMatch;
  const UrlEntry* entry = nullptr; // set when status is Match
};

// Hash and equality on paths that fold ASCII case when the list does; transparent, so that a
// request path is looked up without a copy. Part of UrlSet's representation.
struct UrlPathHash {
  using is_transparent = void;
  UrlCase letter_case = UrlCase::Insensitive;
  size_t operator()(std::string_view path) const noexcept;
};

struct UrlPathEqual {
  using is_transparent = void;
  UrlCase letter_case = UrlCase::Insensitive;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

// An immutable set of URL patterns built from a URL list, matched against a request's normalised
// path (normalizePath). Once built it is only read: any number of threads may call the const
// methods at once, and copies share the compiled regexes.
//
// The list, one entry a line (a line whose first visible character is '#' is a comment; blank
// lines are skipped; surrounding whitespace is dropped; there are no trailing comments, since
// '#' may belong to a regex):
//   /prefix        every path that starts with these bytes: `/admin` matches `/admin`,
//                  `/admin/x`, `/admin.asp` and `/administrator` (write `/admin/` for the
//                  folder alone). The query is not looked at.
//   =/exact/path   that path alone; the query is not looked at.
//   ~regex         RE2 syntax, unanchored (write ^ and $ to anchor), UTF-8. It matches when it
//                  finds a match in the path alone or, for a request with a query, in the path
//                  followed by '?' and the query as sent (not decoded): `~\.bak$` catches
//                  `/a.bak?x=1`, and `~\?.*cmd=` looks into the query.
// Prefix and exact entries are normalised like a request path before they are stored (so
// `/a%20b` and `/a/./b` are written as they will be compared), and compared byte for byte with
// ASCII letters folded unless the list is case sensitive; regexes fold case the Unicode way.
// Refused with a problem (file:line and why), the rest still loading: a line with another first
// character, `=` without a path, a path that does not normalise, a regex RE2 cannot compile.
class UrlSet {
public:
  // An empty set: matches nothing.
  UrlSet() = default;

  // Builds a set from the text of a list; bad lines go to `problems` with `file_name` and their
  // line number. Never throws: running out of memory is a whole-file problem and gives an empty
  // set.
  static UrlSet fromText(std::string_view text, std::string_view file_name,
                         std::vector<ListProblem>& problems, UrlListOptions options = {});

  // As fromText, reading the file at `path`. A missing or unreadable file is a problem and gives
  // an empty set.
  static UrlSet fromFile(const std::string& path, std::vector<ListProblem>& problems,
                         UrlListOptions options = {});

  // Matches a request: `path` as normalizePath gives it, `query` as sent without its '?' (empty
  // when there is none). Exact entries are tried first, then prefixes, then regexes; the first
  // that matches is returned (for a prefix, the shortest one that covers the path).
  //
  // Cost: a hash lookup, a binary search over the prefixes, and one or two passes of the regex
  // set's DFA. No allocation, except that joining a path and query longer than any this thread
  // joined before grows a per-thread buffer.
  UrlMatch match(std::string_view path, std::string_view query = {}) const noexcept;

  // Entries taken from the list (a prefix made redundant by a shorter one is not counted).
  size_t size() const noexcept;
  UrlCase letterCase() const noexcept { return letter_case_; }

  // The file name the set was built from, for logs.
  const std::string& source() const noexcept { return source_; }

private:
  struct Regexes;
  class Builder;

  const UrlEntry* matchPrefix(std::string_view path) const noexcept;
  UrlMatch matchRegex(std::string_view path, std::string_view query) const noexcept;

  std::string source_;
  UrlCase letter_case_ = UrlCase::Insensitive;
  std::vector<UrlEntry> entries_;
  std::unordered_map<std::string, uint32_t, UrlPathHash, UrlPathEqual>
      exact_;                      // path -> entry index
  std::vector<uint32_t> prefixes_; // entry indices sorted by pattern; none a prefix of another
  std::shared_ptr<const Regexes> regexes_; // null when the list has no regex
};

} // namespace bulwark::rules
