// Loads the whole ET Open snapshot in shared/data: every rule either loads or is reported with a
// reason, errors are only the ones this file accepts, and nearly all request-side HTTP and TLS
// rules load.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rules/rule_parser.h"
#include "rules/rule_report.h"

namespace bulwark::rules {
namespace {

std::filesystem::path sharedData() {
  if (const char* env = std::getenv("BULWARK_SHARED_DATA")) {
    return env;
  }
  return std::filesystem::path(BULWARK_SOURCE_DIR) / ".." / "shared" / "data";
}

class RuleLoaderTest : public ::testing::Test {
protected:
  void SetUp() override {
    et_open_ = sharedData() / "et-open";
    if (!std::filesystem::is_directory(et_open_)) {
      GTEST_SKIP() << "no ET Open snapshot at " << et_open_
                   << " (set BULWARK_SHARED_DATA to the shared data directory)";
    }
  }

  std::filesystem::path et_open_;
};

// The protocol field of the rule a problem is about, read back from its file.
class HeaderProtocols {
public:
  std::string of(const RuleProblem& problem) {
    auto& lines = files_[problem.file];
    if (lines.empty()) {
      std::ifstream in(problem.file);
      for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
      }
    }
    if (problem.line == 0 || problem.line > lines.size()) {
      return "";
    }
    std::istringstream fields(lines[problem.line - 1]);
    std::string action;
    std::string protocol;
    fields >> action >> protocol;
    return protocol;
  }

private:
  std::map<std::string, std::vector<std::string>> files_;
};

bool httpOrTls(const std::string& protocol) {
  return protocol == "http" || protocol == "tls";
}

TEST_F(RuleLoaderTest, LoadsEtOpenRequestSideRules) {
  auto started = std::chrono::steady_clock::now();
  RuleFileResult result = loadRuleFiles({et_open_.string()}, ParseOptions{});
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);

  RuleLoadSummary summary = summarizeRuleLoad(result);
  std::cout << "ET Open: files=" << summary.files << " rules_seen=" << summary.rules_seen
            << " disabled=" << summary.disabled << " loaded=" << summary.loaded
            << " unsupported=" << summary.unsupported << " errors=" << summary.errors
            << " parse_ms=" << elapsed.count() << "\n";
  for (const auto& [reason, count] : summary.unsupported_by_reason) {
    std::cout << "  unsupported " << reason << ": " << count << "\n";
  }

  // The errors this snapshot has, and why they are the rule set's and not ours.
  const std::set<uint32_t> accepted_errors = {
      2044076, // alert dns: dotprefix after a content; Suricata 7 refuses it as well
  };
  for (const RuleProblem& problem : result.problems) {
    if (problem.severity == RuleProblem::Severity::Error) {
      std::cout << "  " << problem.toString() << "\n";
      EXPECT_TRUE(accepted_errors.count(problem.sid)) << problem.toString();
    }
  }

  // The denominator: http and tls rules that do not inspect responses.
  size_t loaded = 0;
  for (const Signature& s : result.signatures) {
    loaded += httpOrTls(s.protocol) ? 1 : 0;
  }
  size_t request_side = loaded;
  std::map<std::string, size_t> not_loaded;
  HeaderProtocols protocols;
  for (const RuleProblem& problem : result.problems) {
    if (problem.reason != "response_side" && httpOrTls(protocols.of(problem))) {
      ++request_side;
      ++not_loaded[problem.reason];
    }
  }
  double share = request_side == 0 ? 0.0 : 100.0 * static_cast<double>(loaded) / request_side;
  std::cout << "  request-side http/tls rules: " << request_side << ", loaded " << loaded << " ("
            << share << " %)\n";
  for (const auto& [reason, count] : not_loaded) {
    std::cout << "    not loaded, " << reason << ": " << count << "\n";
  }

  // TODO(rules): 98 % is the goal. About 2.8 % of these rules put a content on the raw stream
  // before any buffer ("content:\"../\"; depth:200; http.uri; ..."), which no request buffer
  // reproduces exactly, so they are reported as payload_content. A raw-request buffer (request
  // line, headers and body as received) would let them load; until then operators see them
  // listed by `bulwark rules check`.
  EXPECT_GE(share, 96.5);
  // Everything else the gateway could honour does load.
  size_t without_payload = request_side - not_loaded["payload_content"];
  EXPECT_GE(100.0 * static_cast<double>(loaded) / without_payload, 99.0);
  EXPECT_EQ(summary.rules_seen, summary.loaded + summary.unsupported + summary.errors);
  EXPECT_GT(summary.files, 0U);
}

} // namespace
} // namespace bulwark::rules
