#pragma once

// Request cases for testing a rule set without a network: `bulwark rules test` and the
// table-driven matcher tests both read them.
//
// A case file is YAML: either a map with `cases:` (and optionally `rules:`, rule text that is
// loaded beside any rule files given), or a list of such maps (groups, each with its own
// rules). A case:
//
//   - name: union select in the query      # shown in reports; default "case N"
//     method: GET                           # default GET
//     uri: /search?q=1 union select 1       # the target as sent; default /
//     headers: {User-Agent: sqlmap/1.7}     # a map, or a list of [name, value] pairs
//     body: "a=1"                           # optional
//     body_chunks: [4]                      # optional: feed the body in chunks of these sizes
//     sni: www.example.com                  # optional: also runs the handshake phase
//     connection: 1                         # optional: cases with the same value share flowbits
//     client: 192.0.2.7                     # optional: the client address rule headers see
//     expect: [2000001]                     # sids that must fire (alerts and blocks); [] none
//
// Host comes from the Host header (normalised as the proxy does).

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "rules/inspector.h"
#include "rules/signature_set.h"

namespace bulwark::rules {

struct RequestCase {
  std::string name;
  uint32_t line = 0;
  std::string method = "GET";
  std::string uri = "/";
  std::string protocol = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<size_t> body_chunks;
  std::string sni;
  std::string connection;
  std::string client;
  std::vector<uint32_t> expect;
};

struct CaseGroup {
  std::string rules_text;  // inline rules, may be empty
  uint32_t rules_line = 0;
  std::vector<RequestCase> cases;
};

struct CaseFile {
  std::string file;
  std::vector<CaseGroup> groups;
  std::vector<std::string> errors;  // "file:line:column: message"
};

// Reads a case file. Never throws; problems are in `errors` (and the groups read so far).
CaseFile loadCaseFile(const std::string& path);
CaseFile parseCaseText(const std::string& text, const std::string& file_name);

struct CaseOutcome {
  const RequestCase* request_case = nullptr;
  std::vector<uint32_t> fired;  // sids, sorted
  Decision decision = Decision::Pass;
  bool ok = false;  // fired == expect (as sets)
  std::string note;  // why the request could not be built, when it could not
};

// Runs every case through `rules` with a fresh Inspector (and FlowStates per `connection`).
std::vector<CaseOutcome> runCases(const std::shared_ptr<const SignatureSet>& rules,
                                  const std::vector<RequestCase>& cases,
                                  const InspectorOptions& options);

// "file:line: name: expected [1,2] fired [2] (decision reject)"
std::string describeMismatch(const CaseOutcome& outcome, const std::string& file);

// `bulwark rules test RULES... CASES.yaml`: loads and compiles the rule files (plus each case
// group's inline rules), runs every case, prints each mismatch and a summary to `out`. Exit
// status: 0 when every case holds and every rule loaded, 1 otherwise.
int runRuleTests(const std::vector<std::string>& rule_paths, const std::string& cases_path,
                 std::ostream& out);

}  // namespace bulwark::rules
