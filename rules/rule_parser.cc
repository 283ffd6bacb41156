// Rule files: lines, continuations, comments, headers, duplicate sids, globs and directories.

#include "rules/rule_parser.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <glob.h>

#include "rules/rule_keywords.h"
#include "rules/rule_parser_internal.h"

namespace bulwark::rules {

namespace {

using detail::RuleIssues;
using detail::trim;

// (gid, sid) of every rule read so far, across files.
using SidSet = std::unordered_set<uint64_t>;

// Splits a header at whitespace outside brackets: "[1.2.3.4, 5.6.7.8]" stays one field.
std::vector<std::string_view> headerFields(std::string_view header) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && detail::isSpace(header[i])) {
      ++i;
    }
    size_t start = i;
    int depth = 0;
    while (i < header.size() && (depth > 0 || !detail::isSpace(header[i]))) {
      depth += header[i] == '[' ? 1 : header[i] == ']' ? -1 : 0;
      ++i;
    }
    if (i > start) {
      fields.push_back(header.substr(start, i - start));
    }
  }
  return fields;
}

std::optional<Action> parseAction(std::string_view word) {
  if (word == "alert") {
    return Action::Alert;
  }
  if (word == "drop") {
    return Action::Drop;
  }
  if (word == "pass") {
    return Action::Pass;
  }
  if (word == "reject" || word == "rejectsrc" || word == "rejectdst" || word == "rejectboth") {
    return Action::Reject;
  }
  return std::nullopt;
}

void parseHeader(std::string_view header, const ParseOptions& options, Signature& sig,
                 RuleIssues& issues) {
  auto fields = headerFields(header);
  if (fields.size() != 7) {
    issues.error("syntax", "header '" + std::string(trim(header)) +
                               "' is not: action protocol source port direction destination port");
    return;
  }
  auto action = parseAction(fields[0]);
  if (!action) {
    issues.error("syntax", "unknown action '" + std::string(fields[0]) + "'");
    return;
  }
  sig.action = *action;
  sig.protocol = std::string(fields[1]);
  switch (detail::classifyProtocol(sig.protocol)) {
  case detail::ProtocolClass::Unknown:
    issues.error("syntax", "unknown protocol '" + sig.protocol + "'");
    return;
  case detail::ProtocolClass::Other:
    issues.unsupported("protocol", sig.protocol + " is not a protocol the gateway inspects "
                                                  "(http, tls, or tcp with HTTP/TLS buffers)");
    break;
  default:
    break;
  }
  if (fields[4] != "->" && fields[4] != "<>") {
    issues.error("syntax", "direction '" + std::string(fields[4]) + "' is not -> or <>");
    return;
  }
  sig.bidirectional = fields[4] == "<>";
  detail::parseAddresses(fields[2], options.variables, sig.source, issues);
  detail::parsePorts(fields[3], options.variables, sig.source_ports, issues);
  detail::parseAddresses(fields[5], options.variables, sig.destination, issues);
  detail::parsePorts(fields[6], options.variables, sig.destination_ports, issues);
}

// A commented-out rule, as rule sets ship disabled ones: "# alert http ... (... sid:1; ...)".
bool isDisabledRule(std::string_view comment) {
  size_t text = comment.find_first_not_of('#');
  if (text == std::string_view::npos) {
    return false;
  }
  comment = trim(comment.substr(text));
  size_t space = comment.find_first_of(" \t");
  return space != std::string_view::npos && parseAction(comment.substr(0, space)) &&
         comment.find('(') != std::string_view::npos;
}

class FileParser {
public:
  FileParser(std::string_view file, const ParseOptions& options, RuleFileResult& result,
             SidSet& sids)
      : file_(file), options_(options), result_(result), sids_(sids) {}

  void parseText(std::string_view text) {
    std::string joined; // a rule continued with '\' over several lines
    uint32_t first_line = 0;
    uint32_t number = 0;
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
      ++number;
      while (!line.empty() && detail::isSpace(line.back())) {
        line.remove_suffix(1);
      }
      if (joined.empty()) {
        first_line = number;
      }
      if (!line.empty() && line.back() == '\\') {
        joined.append(line.substr(0, line.size() - 1));
        continue;
      }
      if (joined.empty()) {
        parseLine(line, number);
      } else {
        joined.append(line);
        parseLine(joined, first_line);
        joined.clear();
      }
    }
    if (!joined.empty()) {
      parseLine(joined, first_line);
    }
  }

private:
  void parseLine(std::string_view line, uint32_t number) {
    line = trim(line);
    if (line.empty()) {
      return;
    }
    if (line[0] == '#') {
      result_.disabled += isDisabledRule(line) ? 1 : 0;
      return;
    }
    ++result_.rules_seen;

    Signature sig;
    sig.file = file_;
    sig.line = number;
    RuleIssues issues;
    try {
      parseRule(line, sig, issues);
    } catch (const std::exception& e) {
      // Our own bug or memory exhaustion: this rule is lost, the others still load.
      issues.error("syntax", std::string("internal error: ") + e.what());
    }
    if (!issues.hasError() && sig.sid != 0) {
      uint64_t key = (static_cast<uint64_t>(sig.gid) << 32) | sig.sid;
      if (!sids_.insert(key).second) {
        issues.error("duplicate_sid", "gid " + std::to_string(sig.gid) + " sid " +
                                          std::to_string(sig.sid) + " is already defined");
      }
    }
    if (issues.empty()) {
      result_.signatures.push_back(std::move(sig));
      return;
    }
    result_.problems.push_back(RuleProblem{issues.severity(), std::string(file_), number, sig.sid,
                                           issues.reason(), issues.detail()});
  }

  void parseRule(std::string_view line, Signature& sig, RuleIssues& issues) {
    size_t open = line.find('(');
    size_t close = line.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
      issues.error("syntax", "no option list in parentheses");
      return;
    }
    if (!trim(line.substr(close + 1)).empty()) {
      issues.error("syntax", "text after the closing ')'");
    }
    parseHeader(line.substr(0, open), options_, sig, issues);
    detail::parseRuleOptions(line.substr(open + 1, close - open - 1), options_, sig, issues);
  }

  std::string_view file_;
  const ParseOptions& options_;
  RuleFileResult& result_;
  SidSet& sids_;
};

RuleProblem fileProblem(const std::string& file, std::string detail) {
  return RuleProblem{RuleProblem::Severity::Error, file, 0, 0, "file", std::move(detail)};
}

// A file, every *.rules in a directory (by name), or the files a glob matches (sorted).
std::vector<std::string> expandPath(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".rules" && !entry.is_directory(ec)) {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  if (path.find_first_of("*?[") == std::string::npos) {
    return fs::exists(path, ec) ? std::vector<std::string>{path} : files;
  }
  glob_t matches{};
  if (::glob(path.c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      files.emplace_back(matches.gl_pathv[i]);
    }
  }
  ::globfree(&matches);
  return files;
}

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return std::nullopt;
  }
  return std::move(text).str();
}

} // namespace

std::string RuleProblem::toString() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
  }
  out += ": ";
  if (sid != 0) {
    out += "sid " + std::to_string(sid) + ": ";
  }
  out += severity == Severity::Error ? "error (" : "unsupported (";
  out += reason + "): " + detail;
  return out;
}

RuleFileResult parseRules(std::string_view text, std::string_view file_name,
                          const ParseOptions& options) {
  RuleFileResult result;
  SidSet sids;
  try {
    FileParser(file_name, options, result, sids).parseText(text);
  } catch (const std::exception& e) {
    result.problems.push_back(fileProblem(std::string(file_name), e.what()));
  }
  return result;
}

RuleFileResult loadRuleFiles(const std::vector<std::string>& paths, const ParseOptions& options) {
  RuleFileResult result;
  try {
    std::vector<std::string> files;
    std::set<std::filesystem::path> seen;
    for (const auto& path : paths) {
      auto expanded = expandPath(path);
      if (expanded.empty()) {
        result.problems.push_back(fileProblem(path, "no rule file at this path"));
      }
      // A file named twice (`a.rules ./a.rules`, or by two globs) is read once.
      for (auto& file : expanded) {
        std::error_code ec;
        auto canonical = std::filesystem::weakly_canonical(file, ec);
        if (seen.insert(ec ? std::filesystem::path(file) : canonical).second) {
          files.push_back(std::move(file));
        }
      }
    }

    // classification.config beside the rules, as rule sets ship it: every folder that holds
    // rule files is looked in, the first folder's entries winning.
    ParseOptions local = options;
    ClassificationTable classifications;
    if (local.classifications == nullptr) {
      std::set<std::filesystem::path> folders;
      for (const auto& file : files) {
        const auto folder = std::filesystem::path(file).parent_path();
        if (!folders.insert(folder).second) {
          continue;
        }
        if (auto text = readFile((folder / "classification.config").string())) {
          classifications.merge(parseClassifications(*text));
          local.classifications = &classifications;
        }
      }
    }

    SidSet sids;
    for (const auto& file : files) {
      auto text = readFile(file);
      if (!text) {
        result.problems.push_back(fileProblem(file, "cannot read the file"));
        continue;
      }
      ++result.files;
      FileParser(file, local, result, sids).parseText(*text);
    }
  } catch (const std::exception& e) {
    result.problems.push_back(fileProblem("<rules>", e.what()));
  }
  return result;
}

} // namespace bulwark::rules
