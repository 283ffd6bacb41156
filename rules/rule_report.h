#pragma once

// What `bulwark rules check` prints, and a stable text form of a Signature for tests and
// --verbose listings.

#include <cstddef>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "rules/rule_parser.h"
#include "rules/signature.h"

namespace bulwark::rules {

// Counts of one load, by outcome.
struct RuleLoadSummary {
  size_t files = 0;
  size_t rules_seen = 0;
  size_t loaded = 0;
  size_t disabled = 0;
  size_t unsupported = 0;
  size_t errors = 0; // rule errors and file errors
  std::map<std::string, size_t> unsupported_by_reason;
  std::map<std::string, size_t> errors_by_reason;
};

RuleLoadSummary summarizeRuleLoad(const RuleFileResult& result);

// Exit status of a check: 0 with no errors (and, when `strict`, nothing unsupported), else 1.
int ruleCheckExitCode(const RuleFileResult& result, bool strict);

enum class RuleReportDetail : uint8_t {
  Problems,   // every problem, Error and Unsupported, one a line, then the summary
  WithLoaded, // also one line per loaded rule with describeSignature()
};

// Writes the check report: problems in file order (an operator must see what did not load, so
// unsupported rules are always listed), then the summary counts and the verdict.
void writeRuleReport(std::ostream& out, const RuleFileResult& result, RuleReportDetail detail,
                     bool strict);

// The fields of a signature as short stable strings, in a fixed order: action, protocol,
// source, source_ports, direction, destination, destination_ports, sid, gid, rev, msg,
// classtype, category, priority, references, metadata, target, buffers, flowbits, threshold,
// detection_filter. `buffers` reads like
//   http.method{content:"POST"} | http.uri|to_lowercase{content:"/a" nocase depth:5; pcre:"/x/iR"}
std::vector<std::pair<std::string, std::string>> signatureFields(const Signature& signature);

// "sid:1 alert http buffers=... flowbits=..." on one line.
std::string describeSignature(const Signature& signature);

} // namespace bulwark::rules
