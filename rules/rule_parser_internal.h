#pragma once

// Pieces the rule parser's source files share. Not for use outside rules/rule_*.cc.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rules/rule_parser.h"
#include "rules/signature.h"

namespace bulwark::rules::detail {

// What is wrong with one rule. Every problem found is offered; the one kept is the first Error,
// or else the most telling Unsupported reason, so that counts by reason mean something (a
// to_client rule that also uses dsize counts as response_side, not packet_keyword).
class RuleIssues {
public:
  void error(std::string_view reason, std::string detail);
  void unsupported(std::string_view reason, std::string detail);

  bool empty() const noexcept { return reason_.empty(); }
  bool hasError() const noexcept { return severity_ == RuleProblem::Severity::Error; }
  RuleProblem::Severity severity() const noexcept { return severity_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& detail() const noexcept { return detail_; }

private:
  RuleProblem::Severity severity_ = RuleProblem::Severity::Unsupported;
  int rank_ = 1000;
  std::string reason_;
  std::string detail_;
};

// Whitespace as the rule language knows it.
bool isSpace(char c) noexcept;
std::string_view trim(std::string_view text) noexcept;
// True when the character at `pos` is escaped by an odd run of backslashes before it.
bool escapedAt(std::string_view text, size_t pos) noexcept;

// Unsigned and signed decimal numbers, whitespace around allowed; nullopt on anything else or
// on overflow.
std::optional<uint64_t> parseUnsigned(std::string_view text, uint64_t max);
std::optional<int64_t> parseSigned(std::string_view text, int64_t min, int64_t max);

// Header fields. Variables are substituted; problems go to `issues` (undefined_variable,
// syntax) and leave `out` partly filled.
void parseAddresses(std::string_view text, const RuleVariables& variables, AddressSpec& out,
                    RuleIssues& issues);
void parsePorts(std::string_view text, const RuleVariables& variables, PortSpec& out,
                RuleIssues& issues);

// The option list between the parentheses, without them. Fills `signature`; every keyword the
// gateway cannot honour, and every malformed option, goes to `issues`.
void parseRuleOptions(std::string_view body, const ParseOptions& options, Signature& signature,
                      RuleIssues& issues);

} // namespace bulwark::rules::detail
