#include "rules/list_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bulwark::rules {
namespace {

bool isListSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trimListSpace(std::string_view text) noexcept {
  while (!text.empty() && isListSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isListSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

} // namespace

std::string ListProblem::toString() const {
  if (line == 0) {
    return file + ": " + reason;
  }
  return file + ":" + std::to_string(line) + ": " + reason;
}

std::optional<std::string> readListFile(const std::string& path,
                                        std::vector<ListProblem>& problems) {
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      problems.push_back({path, 0, std::string("cannot open list: ") + std::strerror(errno)});
      return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) {
      problems.push_back({path, 0, "cannot read list"});
      return std::nullopt;
    }
    return std::move(content).str();
  } catch (const std::exception& e) {
    problems.push_back({path, 0, std::string("cannot read list: ") + e.what()});
    return std::nullopt;
  }
}

std::string_view listLineContent(std::string_view line, TrailingComments comments) noexcept {
  line = trimListSpace(line);
  if (line.starts_with('#')) {
    return {};
  }
  if (comments == TrailingComments::Allowed) {
    line = trimListSpace(line.substr(0, line.find('#')));
  }
  return line;
}

size_t countListLines(std::string_view text) noexcept {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

} // namespace bulwark::rules
