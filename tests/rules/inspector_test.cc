#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "rules/case_runner.h"
#include "rules/inspector.h"
#include "rules/rule_parser.h"

namespace bulwark::rules {
namespace {

std::shared_ptr<const SignatureSet> compileText(const std::string& text,
                                                const CompileOptions& options = {}) {
  auto parsed = parseRules(text, "test.rules", ParseOptions{});
  for (const auto& problem : parsed.problems) {
    ADD_FAILURE() << problem.toString();
  }
  std::vector<RuleProblem> problems;
  auto set = SignatureSet::compile(std::move(parsed.signatures), options, problems);
  for (const auto& problem : problems) {
    ADD_FAILURE() << problem.toString();
  }
  return set;
}

struct OneRequest {
  explicit OneRequest(std::string uri = "/", std::string method = "POST")
      : uri_(std::move(uri)), method_(std::move(method)) {
    view.method = method_;
    view.target = uri_;
    view.normalized_path = uri_;
    view.protocol = "HTTP/1.1";
  }
  std::string uri_;
  std::string method_;
  RequestView view;
  FlowState flow;
  RequestInspection state;
};

TEST(InspectorTest, MatcherCasesHold) {
  const std::string path = std::string(BULWARK_SOURCE_DIR) + "/tests/rules/data/matcher_cases.yaml";
  const auto file = loadCaseFile(path);
  for (const auto& error : file.errors) {
    ADD_FAILURE() << error;
  }
  ASSERT_FALSE(file.groups.empty());
  size_t cases = 0;
  for (const auto& group : file.groups) {
    const auto set = compileText(group.rules_text);
    ASSERT_NE(set, nullptr) << "rules at line " << group.rules_line;
    for (const auto& outcome : runCases(set, group.cases, InspectorOptions{})) {
      EXPECT_TRUE(outcome.ok) << describeMismatch(outcome, path);
      ++cases;
    }
  }
  EXPECT_GT(cases, 80U);
}

TEST(InspectorTest, FindsABodyPatternSplitAtEveryPosition) {
  const auto set = compileText(
      R"(drop http any any -> any any (msg:"x"; http.request_body; content:"<script>alert"; nocase; sid:1;))");
  Inspector inspector(InspectorOptions{});
  const std::string body = "name=joe&comment=<SCRIPT>alert(1)</script>&x=1";
  for (size_t split = 0; split <= body.size(); ++split) {
    OneRequest request;
    ASSERT_EQ(inspector.inspectHeaders(set, request.view, request.flow, request.state),
              Decision::Pass);
    const auto first = inspector.inspectBody(
        request.view, request.flow, std::string_view(body).substr(0, split), false, request.state);
    const auto match_end = body.find("alert") + 5;
    if (split >= match_end) {
      // The whole pattern is in the first chunk: decided before the chunk is forwarded.
      EXPECT_EQ(first, Decision::Drop) << "split " << split;
      continue;
    }
    EXPECT_EQ(first, Decision::Pass) << "split " << split;
    const auto second = inspector.inspectBody(
        request.view, request.flow, std::string_view(body).substr(split), true, request.state);
    EXPECT_EQ(second, Decision::Drop) << "split " << split;
    ASSERT_EQ(request.state.hits().size(), 1U);
  }
}

TEST(InspectorTest, DetectModeLogsWhatWouldHaveBeenBlocked) {
  const auto set =
      compileText(R"(reject http any any -> any any (msg:"x"; http.uri; content:"/bad"; sid:5;))");
  InspectorOptions options;
  options.detect_only = true;
  Inspector inspector(options);
  OneRequest request("/bad");
  EXPECT_EQ(inspector.inspectHeaders(set, request.view, request.flow, request.state),
            Decision::Alert);
  ASSERT_EQ(request.state.hits().size(), 1U);
  EXPECT_TRUE(request.state.hits()[0].would_block);
  EXPECT_FALSE(request.state.hits()[0].enforced);
}

TEST(InspectorTest, PcreMatchLimitFollowsTheScanErrorPolicy) {
  const auto set = compileText(
      R"(alert http any any -> any any (msg:"redos"; http.uri; content:"/r"; pcre:"/(a+)+$/"; sid:6;))");
  const std::string uri = "/r" + std::string(40, 'a') + "!";
  for (const bool fail_open : {false, true}) {
    InspectorOptions options;
    options.fail_open_on_scan_error = fail_open;
    Inspector inspector(options);
    OneRequest request(uri, "GET");
    const auto decision = inspector.inspectHeaders(set, request.view, request.flow, request.state);
    EXPECT_TRUE(request.state.scanError());
    EXPECT_EQ(decision, fail_open ? Decision::Pass : Decision::Reject);
  }
}

TEST(InspectorTest, ABadPcreIsReportedAndTheOtherRulesStillLoad) {
  auto parsed = parseRules(
      "alert http any any -> any any (msg:\"bad\"; http.uri; content:\"/a\"; pcre:\"/(?<n/\"; "
      "sid:7;)\n"
      "alert http any any -> any any (msg:\"good\"; http.uri; content:\"/b\"; sid:8;)\n",
      "t.rules", ParseOptions{});
  std::vector<RuleProblem> problems = parsed.problems;
  const auto set = SignatureSet::compile(std::move(parsed.signatures), {}, problems);
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0].sid, 7U);
  EXPECT_EQ(problems[0].line, 1U);
  ASSERT_EQ(set->rules().size(), 1U);
  EXPECT_EQ(set->rules()[0].signature.sid, 8U);
}

TEST(InspectorTest, CompiledDatabasesComeFromTheCacheTheSecondTime) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("bulwark-hs-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  CompileOptions options;
  options.cache_dir = dir.string();
  const std::string text =
      R"(alert http any any -> any any (msg:"a"; http.uri; content:"/cached"; sid:9;)
alert http any any -> any any (msg:"b"; http.request_body; content:"payload"; sid:10;))";
  const auto first = compileText(text, options);
  EXPECT_EQ(first->cacheHits(), 0U);
  const auto second = compileText(text, options);
  EXPECT_EQ(second->cacheHits(), 3U); // the uri database, the body block and stream databases

  Inspector inspector(InspectorOptions{});
  OneRequest request("/cached");
  EXPECT_EQ(inspector.inspectHeaders(second, request.view, request.flow, request.state),
            Decision::Alert);
  std::filesystem::remove_all(dir);
}

Inspector::Clock::time_point fakeNow;
Inspector::Clock::time_point readFakeNow() {
  return fakeNow;
}

TEST(InspectorTest, ThresholdLimitsAlertsPerWindow) {
  const auto set = compileText(
      R"(alert http any any -> any any (msg:"t"; http.uri; content:"/t"; threshold:type limit, track by_src, count 1, seconds 60; sid:11;))");
  Inspector inspector(InspectorOptions{});
  inspector.setClockForTesting(&readFakeNow);
  fakeNow = Inspector::Clock::time_point{} + std::chrono::hours(1);
  const auto alerts = [&] {
    OneRequest request("/t", "GET");
    inspector.inspectHeaders(set, request.view, request.flow, request.state);
    return request.state.hits().size();
  };
  EXPECT_EQ(alerts(), 1U);
  EXPECT_EQ(alerts(), 0U);
  fakeNow += std::chrono::seconds(61);
  EXPECT_EQ(alerts(), 1U);
}

TEST(InspectorTest, BodyPastTheLimitFollowsTheSetting) {
  const auto set = compileText(
      R"(drop http any any -> any any (msg:"late"; http.request_body; content:"evil"; sid:12;))");
  const std::string body = std::string(32, 'x') + "evil";
  for (const auto over_limit : {BodyOverLimit::InspectPrefix, BodyOverLimit::Reject}) {
    InspectorOptions options;
    options.body_inspection_limit = 16;
    options.body_over_limit = over_limit;
    Inspector inspector(options);
    OneRequest request;
    inspector.inspectHeaders(set, request.view, request.flow, request.state);
    const auto decision =
        inspector.inspectBody(request.view, request.flow, body, true, request.state);
    EXPECT_TRUE(request.state.bodyOverLimit());
    // The pattern lies past the limit: never scanned, so only the setting can refuse it.
    EXPECT_EQ(decision, over_limit == BodyOverLimit::Reject ? Decision::Reject : Decision::Pass);
    EXPECT_TRUE(request.state.hits().empty());
  }
}

TEST(InspectorTest, ARequestKeepsTheRuleSetItStartedWith) {
  auto set = compileText(
      R"(drop http any any -> any any (msg:"b"; http.request_body; content:"evil"; sid:13;))");
  Inspector inspector(InspectorOptions{});
  OneRequest request;
  inspector.inspectHeaders(set, request.view, request.flow, request.state);
  set = compileText(R"(alert http any any -> any any (msg:"n"; http.uri; content:"/z"; sid:14;))");
  EXPECT_EQ(inspector.inspectBody(request.view, request.flow, "evil", true, request.state),
            Decision::Drop);
}

TEST(InspectorTest, ALiteralThePrefilterRefusesLeavesTheRestOfTheSetWorking) {
  // Longer than the prefilter library takes: that rule is verified without a prefilter.
  const std::string long_content(20000, 'A');
  const auto set = compileText(
      "alert http any any -> any any (msg:\"long\"; http.uri; content:\"" + long_content +
      "\"; sid:21;)\n"
      "alert http any any -> any any (msg:\"short\"; http.uri; content:\"/short\"; sid:22;)\n");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->rules().size(), 2U);

  Inspector inspector(InspectorOptions{});
  OneRequest hit("/" + long_content, "GET");
  inspector.inspectHeaders(set, hit.view, hit.flow, hit.state);
  ASSERT_EQ(hit.state.hits().size(), 1U);
  OneRequest other("/short", "GET");
  inspector.inspectHeaders(set, other.view, other.flow, other.state);
  ASSERT_EQ(other.state.hits().size(), 1U);
  EXPECT_EQ(set->rules()[other.state.hits()[0].rule].signature.sid, 22U);
}

TEST(InspectorTest, AtMostSixteenAlertsAreRecordedPerRequest) {
  std::string text;
  for (int sid = 1; sid <= 40; ++sid) {
    text += "alert http any any -> any any (msg:\"m\"; http.uri; content:\"/many\"; sid:" +
            std::to_string(sid) + ";)\n";
  }
  text += "reject http any any -> any any (msg:\"r\"; http.uri; content:\"/many\"; sid:99;)\n";
  const auto set = compileText(text);
  Inspector inspector(InspectorOptions{});
  OneRequest request("/many", "GET");
  EXPECT_EQ(inspector.inspectHeaders(set, request.view, request.flow, request.state),
            Decision::Reject);
  EXPECT_EQ(request.state.hits().size(), kMaxAlertsPerRequest + 1);
  EXPECT_EQ(request.state.alertsSuppressed(), 40U - kMaxAlertsPerRequest);
  EXPECT_TRUE(request.state.hits().back().enforced);
}

} // namespace
} // namespace bulwark::rules
