#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulwark::rules {

// One line of a domain, URL or IP list that was not taken into the set, or a list file that could
// not be read (line 0). A reported line takes no part in the set; the rest of the list still
// loads. Whether any problem refuses a whole rule set is the caller's decision.
struct ListProblem {
  std::string file;
  uint32_t line = 0; // 1-based; 0 when the problem concerns the whole file
  std::string reason;

  // "file:line: reason", or "file: reason" for a whole-file problem.
  std::string toString() const;
};

// Whether text after a '#' in the middle of a line is a comment. Domain and IP lists allow it
// ('#' can be part of neither); URL lists do not, since a regex may contain '#'.
enum class TrailingComments { Allowed, NotAllowed };

// Reads a list file whole. A missing or unreadable file appends a problem naming `path` and
// gives nullopt; nothing throws.
std::optional<std::string> readListFile(const std::string& path,
                                        std::vector<ListProblem>& problems);

// The content of a line with its comment and surrounding whitespace removed; empty for a blank
// or comment-only line. A line whose first visible character is '#' is always a comment.
std::string_view listLineContent(std::string_view line, TrailingComments comments) noexcept;

// Calls `visit(line_number, content)` for every line of `text` that holds something, with
// listLineContent applied. Lines end in "\n" or "\r\n"; a UTF-8 byte order mark at the start is
// skipped (Windows editors write one). Line numbers are 1-based.
template <typename Visit>
void forEachListLine(std::string_view text, TrailingComments comments, Visit&& visit) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.starts_with(kByteOrderMark)) {
    text.remove_prefix(kByteOrderMark.size());
  }

  uint32_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);

    const std::string_view content = listLineContent(line, comments);
    if (!content.empty()) {
      visit(number, content);
    }
  }
}

// Counts the lines of `text`, to size tables before loading.
size_t countListLines(std::string_view text) noexcept;

} // namespace bulwark::rules
