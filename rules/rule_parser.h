#pragma once

// Reading rule files in the Suricata rule language into Signatures.
//
// The parser accepts the subset an HTTP/TLS edge can honour exactly and reports every other rule
// with its file, line, sid and a stable reason code: a rule is loaded whole or not at all, never
// half-applied. Nothing here throws; every function may be called from any thread (no shared
// state).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/signature.h"

namespace bulwark::rules {

// Address and port groups a rule header refers to as `$NAME`. Values are written as in a rule
// header ("[10.0.0.0/8,192.168.0.0/16]", "!$HOME_NET", "[80,8080:8090]") and may refer to other
// variables.
struct RuleVariables {
  std::map<std::string, std::string> addresses; // keys without '$'
  std::map<std::string, std::string> ports;

  // The groups public rule sets (ET Open) use, with values that suit a gateway. HOME_NET and
  // EXTERNAL_NET are both `any`: the gateway sits between the whole internet and the servers it
  // protects, and flow direction (to_server) already says which side is which. HTTP_PORTS is
  // `any` because a listener's port is whatever the operator chose, not 80; the gateway only
  // ever hands parsed HTTP to the rules, so a port filter would only hide traffic.
  static RuleVariables defaults();
};

// One line of classification.config: `config classification: name,description,priority`.
struct Classification {
  std::string name;
  std::string description;
  uint32_t priority = 3;
};
using ClassificationTable = std::unordered_map<std::string, Classification>;

// Parses classification.config text. Lines that are not `config classification:` entries
// (comments, blanks, malformed lines) are skipped; a later entry replaces an earlier one.
ClassificationTable parseClassifications(std::string_view text);

// A rule that did not load, or a file that could not be read.
struct RuleProblem {
  enum class Severity : uint8_t {
    Unsupported, // valid Suricata, but needs something the gateway does not inspect
    Error,       // Suricata itself would refuse the rule
  };
  Severity severity = Severity::Error;
  std::string file;
  uint32_t line = 0;
  uint32_t sid = 0; // 0 when unknown

  // A stable snake_case code for counting and tests:
  //   Unsupported: response_side, protocol, no_inspection_buffer, payload_content,
  //                packet_keyword, unsupported_keyword
  //   Error:       syntax, unknown_keyword, undefined_variable, unknown_classtype,
  //                duplicate_sid, missing_sid, file
  std::string reason;
  std::string detail; // human readable; names the keyword and value at fault

  // "file:line: sid N: unsupported (response_side): flow:to_client inspects responses"
  std::string toString() const;
};

struct ParseOptions {
  RuleVariables variables = RuleVariables::defaults();
  // Needed to fill Signature::category and priority from classtype; with none, any classtype
  // is accepted and the priority stays 3 unless the rule sets one.
  const ClassificationTable* classifications = nullptr;
};

struct RuleFileResult {
  std::vector<Signature> signatures; // every rule that loaded, in file order
  std::vector<RuleProblem> problems; // at most one per rule, in file order
  size_t rules_seen = 0;             // active rule lines (loaded + problems about rules)
  size_t disabled = 0;               // commented-out rules ("# alert ...")
  size_t files = 0;                  // rule files read (loadRuleFiles only)
};

// Parses the text of one rule file. One rule a line; `#` starts a comment line; a line ending
// in '\' continues on the next. `file_name` is used in problems and Signature::file only.
// Duplicate (gid, sid) pairs within the text are reported at their second occurrence.
RuleFileResult parseRules(std::string_view text, std::string_view file_name,
                          const ParseOptions& options);

// Reads and parses rule files in order. A path may be a file, a directory (every *.rules in
// it, sorted by name) or a glob ("rules/*.rules"). A duplicate (gid, sid) across all files is an
// Error at its second occurrence; a file named twice is read once. When options.classifications
// is null, the classification.config of every folder holding rule files is read if present (the
// first folder's entry wins for a name in two). A path that matches nothing or cannot be read
// is an Error with reason "file".
RuleFileResult loadRuleFiles(const std::vector<std::string>& paths, const ParseOptions& options);

} // namespace bulwark::rules
