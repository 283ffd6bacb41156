#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/rule_parser.h"
#include "rules/rule_report.h"

namespace bulwark::rules {
namespace {

constexpr std::string_view kClassifications =
    "# comment\n"
    "config classification: trojan-activity,A Network Trojan was detected,1\n"
    "config classification: web-application-attack,Web Application Attack, 1\n"
    "config classification: broken\n";

// One block of tests/rules/data/parser_cases.txt.
struct ParserCase {
  int line = 0; // where the block starts, for failure messages
  std::string rule;
  std::string problem; // "error syntax", "unsupported response_side", or empty
  std::string detail;  // text the problem's detail must contain
  std::vector<std::pair<std::string, std::string>> fields;
};

std::vector<ParserCase> readCases() {
  std::ifstream in(std::string(BULWARK_SOURCE_DIR) + "/tests/rules/data/parser_cases.txt");
  std::vector<ParserCase> cases;
  ParserCase current;
  bool continued = false;
  int number = 0;
  auto flush = [&] {
    if (!current.rule.empty()) {
      cases.push_back(current);
    }
    current = ParserCase{};
  };
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) {
      flush();
      continue;
    }
    if (line[0] == '#' && current.rule.empty()) {
      continue;
    }
    if (continued || line[0] != ' ') {
      current.line = current.rule.empty() ? number : current.line;
      current.rule += line + "\n";
      continued = line.back() == '\\';
      continue;
    }
    size_t colon = line.find(": ");
    std::string key = line.substr(2, colon - 2);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
    if (key == "problem") {
      current.problem = value;
    } else if (key == "detail~") {
      current.detail = value;
    } else {
      current.fields.emplace_back(key, value);
    }
  }
  flush();
  return cases;
}

class ParserCaseTest : public ::testing::Test {
protected:
  ParserCaseTest() : table_(parseClassifications(kClassifications)) {
    options_.classifications = &table_;
  }

  ClassificationTable table_;
  ParseOptions options_;
};

TEST_F(ParserCaseTest, EveryCaseInTheTableHolds) {
  auto cases = readCases();
  ASSERT_GT(cases.size(), 150U) << "parser_cases.txt not found or truncated";
  for (const ParserCase& c : cases) {
    SCOPED_TRACE("parser_cases.txt:" + std::to_string(c.line) + ": " + c.rule);
    RuleFileResult result = parseRules(c.rule, "cases", options_);
    EXPECT_EQ(result.rules_seen, 1U);
    if (!c.problem.empty()) {
      ASSERT_EQ(result.problems.size(), 1U);
      EXPECT_TRUE(result.signatures.empty());
      const RuleProblem& p = result.problems[0];
      std::string got =
          std::string(p.severity == RuleProblem::Severity::Error ? "error " : "unsupported ") +
          p.reason;
      EXPECT_EQ(got, c.problem) << p.toString();
      EXPECT_NE(p.detail.find(c.detail), std::string::npos) << p.toString();
      continue;
    }
    for (const RuleProblem& p : result.problems) {
      ADD_FAILURE() << p.toString();
    }
    ASSERT_EQ(result.signatures.size(), 1U);
    std::map<std::string, std::string> fields;
    for (auto& [key, value] : signatureFields(result.signatures[0])) {
      fields[key] = value;
    }
    for (const auto& [key, expected] : c.fields) {
      ASSERT_TRUE(fields.count(key)) << "no field " << key;
      EXPECT_EQ(fields[key], expected) << key;
    }
  }
}

class RuleParserTest : public ::testing::Test {
protected:
  ParseOptions options_;
};

TEST_F(RuleParserTest, CountsCommentedOutRulesAsDisabled) {
  auto result = parseRules("# a comment\n"
                           "#alert http any any -> any any (http.uri; content:\"/\"; sid:1;)\n"
                           "# drop tls any any -> any any (tls.sni; content:\"a\"; sid:2;)\n"
                           "#\n"
                           "\n"
                           "alert http any any -> any any (flow:to_server; http.uri; "
                           "content:\"/\"; sid:3;)\n",
                           "f.rules", options_);
  EXPECT_EQ(result.disabled, 2U);
  EXPECT_EQ(result.rules_seen, 1U);
  ASSERT_EQ(result.signatures.size(), 1U);
  EXPECT_EQ(result.signatures[0].file, "f.rules");
  EXPECT_EQ(result.signatures[0].line, 6U);
}

TEST_F(RuleParserTest, ReportsDuplicateSidAtSecondOccurrence) {
  auto result = parseRules(
      "alert http any any -> any any (flow:to_server; http.uri; content:\"/a\"; sid:5;)\n"
      "alert http any any -> any any (flow:to_server; http.uri; content:\"/b\"; sid:5; gid:2;)\n"
      "alert http any any -> any any (flow:to_server; http.uri; content:\"/c\"; sid:5;)\n",
      "f.rules", options_);
  ASSERT_EQ(result.signatures.size(), 2U);
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_EQ(result.problems[0].reason, "duplicate_sid");
  EXPECT_EQ(result.problems[0].line, 3U);
  EXPECT_EQ(result.problems[0].sid, 5U);
}

TEST_F(RuleParserTest, ContinuedRuleKeepsItsFirstLine) {
  auto result = parseRules("\n"
                           "alert http any any -> any any (flow:to_server; \\\n"
                           "  http.uri; content:\"/a\"; sid:1; \\\n"
                           ")\n"
                           "alert http any any -> any any (dsize:1; sid:2;)\n",
                           "f.rules", options_);
  ASSERT_EQ(result.signatures.size(), 1U);
  EXPECT_EQ(result.signatures[0].line, 2U);
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_EQ(result.problems[0].line, 5U);
}

TEST_F(RuleParserTest, ProblemPrintsFileLineSidReasonAndDetail) {
  RuleProblem p{RuleProblem::Severity::Unsupported, "a.rules", 12, 2001, "response_side",
                "flow:to_client inspects responses"};
  EXPECT_EQ(p.toString(),
            "a.rules:12: sid 2001: unsupported (response_side): flow:to_client inspects responses");
  RuleProblem e{RuleProblem::Severity::Error, "a.rules", 3, 0, "syntax", "no sid"};
  EXPECT_EQ(e.toString(), "a.rules:3: error (syntax): no sid");
}

TEST_F(RuleParserTest, UsesCallerVariables) {
  options_.variables.addresses["HOME_NET"] = "[10.0.0.0/8,192.168.0.0/16]";
  options_.variables.addresses["EXTERNAL_NET"] = "!$HOME_NET";
  auto result = parseRules("alert http $EXTERNAL_NET any -> $HTTP_SERVERS any (flow:to_server; "
                           "http.uri; content:\"/\"; sid:1;)",
                           "f.rules", options_);
  ASSERT_EQ(result.signatures.size(), 1U);
  const Signature& s = result.signatures[0];
  ASSERT_EQ(s.source.ranges.size(), 2U);
  EXPECT_TRUE(s.source.ranges[0].negated);
  EXPECT_EQ(s.source.ranges[1].text, "192.168.0.0/16");
  EXPECT_EQ(s.destination.ranges.size(), 2U);
  EXPECT_FALSE(s.destination.ranges[0].negated);
}

TEST_F(RuleParserTest, VariableLoopIsAnError) {
  options_.variables.addresses["A"] = "$B";
  options_.variables.addresses["B"] = "[$A]";
  auto result =
      parseRules("alert http $A any -> any any (flow:to_server; http.uri; content:\"/\"; sid:1;)",
                 "f", options_);
  ASSERT_EQ(result.problems.size(), 1U);
  EXPECT_NE(result.problems[0].detail.find("loop"), std::string::npos);
}

TEST_F(RuleParserTest, DefaultVariablesCoverWhatRuleSetsUse) {
  RuleVariables v = RuleVariables::defaults();
  for (const char* name : {"HOME_NET", "EXTERNAL_NET", "HTTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS",
                           "SMTP_SERVERS", "TELNET_SERVERS"}) {
    EXPECT_TRUE(v.addresses.count(name)) << name;
  }
  EXPECT_EQ(v.addresses["HOME_NET"], "any");
  EXPECT_EQ(v.addresses["EXTERNAL_NET"], "any");
  EXPECT_EQ(v.ports["HTTP_PORTS"], "any");
  EXPECT_EQ(v.ports["ORACLE_PORTS"], "1521");
  EXPECT_EQ(v.ports["SSH_PORTS"], "22");
}

TEST_F(RuleParserTest, ParsesClassificationConfig) {
  auto table = parseClassifications(kClassifications);
  ASSERT_EQ(table.size(), 2U);
  EXPECT_EQ(table["web-application-attack"].description, "Web Application Attack");
  EXPECT_EQ(table["web-application-attack"].priority, 1U);
}

TEST_F(RuleParserTest, AcceptsAnyClasstypeWithoutATable) {
  auto result = parseRules("alert http any any -> any any (flow:to_server; http.uri; "
                           "content:\"/\"; classtype:whatever; sid:1;)",
                           "f", options_);
  ASSERT_EQ(result.signatures.size(), 1U);
  EXPECT_EQ(result.signatures[0].classtype, "whatever");
  EXPECT_EQ(result.signatures[0].priority, 3U);
}

TEST_F(RuleParserTest, BufferNamesAreStable) {
  EXPECT_STREQ(bufferName(Buffer::Uri), "http.uri");
  EXPECT_STREQ(bufferName(Buffer::RequestBody), "http.request_body");
  EXPECT_STREQ(bufferName(Buffer::TlsSni), "tls.sni");
  EXPECT_STREQ(actionName(Action::Reject), "reject");
}

// Files on disk: directories, globs, classification.config beside the rules, duplicates
// across files, missing paths.
class RuleFilesTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bulwark_rule_files_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    write("classification.config", "config classification: trojan-activity,Trojan,1\n");
    write("a.rules", "alert http any any -> any any (flow:to_server; http.uri; content:\"/a\"; "
                     "classtype:trojan-activity; sid:1;)\n");
    write("b.rules", "alert http any any -> any any (flow:to_server; http.uri; content:\"/b\"; "
                     "sid:1;)\n"
                     "alert http any any -> any any (flow:to_client; http.uri; content:\"/c\"; "
                     "sid:2;)\n");
    write("notes.txt", "not rules");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  std::filesystem::path dir_;
};

TEST_F(RuleFilesTest, LoadsEveryRulesFileInADirectory) {
  auto result = loadRuleFiles({dir_.string()}, ParseOptions{});
  EXPECT_EQ(result.files, 2U);
  EXPECT_EQ(result.rules_seen, 3U);
  ASSERT_EQ(result.signatures.size(), 1U);
  EXPECT_EQ(result.signatures[0].category, "Trojan");
  EXPECT_EQ(result.signatures[0].priority, 1U);
  ASSERT_EQ(result.problems.size(), 2U);
  EXPECT_EQ(result.problems[0].reason, "duplicate_sid");
  EXPECT_EQ(result.problems[0].file, (dir_ / "b.rules").string());
  EXPECT_EQ(result.problems[1].reason, "response_side");
}

TEST_F(RuleFilesTest, ExpandsGlobsInOrder) {
  auto result =
      loadRuleFiles({(dir_ / "b*.rules").string(), (dir_ / "a.rules").string()}, ParseOptions{});
  EXPECT_EQ(result.files, 2U);
  ASSERT_EQ(result.signatures.size(), 1U);
  EXPECT_EQ(result.signatures[0].file, (dir_ / "b.rules").string());
  ASSERT_FALSE(result.problems.empty());
  EXPECT_EQ(result.problems.back().reason, "duplicate_sid");
  EXPECT_EQ(result.problems.back().file, (dir_ / "a.rules").string());
}

TEST_F(RuleFilesTest, MissingPathIsAnError) {
  auto result =
      loadRuleFiles({(dir_ / "nope.rules").string(), (dir_ / "z*.rules").string()}, ParseOptions{});
  ASSERT_EQ(result.problems.size(), 2U);
  EXPECT_EQ(result.problems[0].reason, "file");
  EXPECT_EQ(result.problems[0].severity, RuleProblem::Severity::Error);
  EXPECT_EQ(ruleCheckExitCode(result, false), 1);
}

TEST_F(RuleFilesTest, ReportListsProblemsAndCounts) {
  write("b.rules", "alert http any any -> any any (flow:to_client; http.uri; content:\"/c\"; "
                   "sid:2;)\n");
  auto result = loadRuleFiles({dir_.string()}, ParseOptions{});
  std::ostringstream out;
  writeRuleReport(out, result, RuleReportDetail::Problems, false);
  std::string text = out.str();
  EXPECT_NE(text.find("b.rules:1: sid 2: unsupported (response_side)"), std::string::npos);
  EXPECT_NE(text.find("files: 2\n"), std::string::npos);
  EXPECT_NE(text.find("rules seen: 2 (plus 0 commented out)\n"), std::string::npos);
  EXPECT_NE(text.find("loaded: 1\n"), std::string::npos);
  EXPECT_NE(text.find("unsupported: 1\n  response_side: 1\n"), std::string::npos);
  EXPECT_NE(text.find("errors: 0\n"), std::string::npos);
  EXPECT_NE(text.find("result: ok\n"), std::string::npos);
  EXPECT_EQ(ruleCheckExitCode(result, false), 0);
  EXPECT_EQ(ruleCheckExitCode(result, true), 1);

  std::ostringstream strict;
  writeRuleReport(strict, result, RuleReportDetail::WithLoaded, true);
  EXPECT_NE(strict.str().find("result: failed (--strict"), std::string::npos);
  EXPECT_NE(strict.str().find("loaded sid:1"), std::string::npos);
}

} // namespace
} // namespace bulwark::rules
