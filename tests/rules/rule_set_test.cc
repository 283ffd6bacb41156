#include "rules/rule_set.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace bulwark::rules {
namespace {

class RuleSetTest : public ::testing::Test {
protected:
  RuleSetTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("bulwark-rule-set-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~RuleSetTest() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  config::DomainList domainList(const std::string& name, const std::string& text,
                                config::ListAction action) const {
    config::DomainList list;
    list.file = write(name, text);
    list.action = action;
    return list;
  }

  std::filesystem::path dir_;
};

TEST_F(RuleSetTest, AnAllowListRefusesEveryNameItDoesNotHold) {
  config::Inspection inspection;
  inspection.domain_lists.push_back(
      domainList("allow.txt", ".example.com\n", config::ListAction::Allow));
  const auto load = loadRuleSet(inspection, 1);
  ASSERT_TRUE(load.ok());

  EXPECT_EQ(load.rule_set->checkHost("www.example.com").decision, Decision::Pass);
  const auto refused = load.rule_set->checkHost("example.org");
  EXPECT_EQ(refused.decision, Decision::Reject);
  EXPECT_TRUE(refused.not_allowed);
}

TEST_F(RuleSetTest, AlertListsLogAndTheFirstBlockingListDecides) {
  config::Inspection inspection;
  inspection.domain_lists.push_back(
      domainList("watch.txt", "a.example\n", config::ListAction::Alert));
  inspection.domain_lists.push_back(
      domainList("deny.txt", "# header\n.example\n", config::ListAction::Drop));
  const auto load = loadRuleSet(inspection, 1);
  ASSERT_TRUE(load.ok());

  const auto verdict = load.rule_set->checkHost("a.example");
  EXPECT_EQ(verdict.decision, Decision::Drop);
  EXPECT_EQ(verdict.line, 2U);
  EXPECT_NE(std::string(verdict.file).find("deny.txt"), std::string::npos);
  EXPECT_EQ(load.rule_set->checkSni("b.example").decision, Decision::Drop);
  EXPECT_EQ(load.rule_set->checkHost("example.org").decision, Decision::Pass);
}

TEST_F(RuleSetTest, DisabledSidsAreLeftOutAndCounted) {
  config::Inspection inspection;
  inspection.rules.push_back(write(
      "a.rules",
      "alert http any any -> any any (msg:\"a\"; flow:to_server; http.uri; content:\"/a\"; "
      "sid:1;)\n"
      "alert http any any -> any any (msg:\"b\"; flow:to_server; http.uri; content:\"/b\"; "
      "sid:2;)\n"));
  inspection.disabled_sids = {2};
  const auto load = loadRuleSet(inspection, 7);
  ASSERT_TRUE(load.ok());

  EXPECT_EQ(load.rules_loaded, 1U);
  EXPECT_EQ(load.rules_disabled, 1U);
  EXPECT_EQ(load.rule_set->version, 7U);
  ASSERT_EQ(load.rule_set->signatures->rules().size(), 1U);
  EXPECT_EQ(load.rule_set->signatures->rules()[0].signature.sid, 1U);
}

TEST_F(RuleSetTest, TheHashFollowsTheContentOfTheFiles) {
  config::Inspection inspection;
  const auto path = write("h.rules", "alert http any any -> any any (msg:\"a\"; flow:to_server; "
                                     "http.uri; content:\"/a\"; sid:1;)\n");
  inspection.rules.push_back(path);
  const auto first = loadRuleSet(inspection, 1);
  const auto again = loadRuleSet(inspection, 2);
  write("h.rules", "alert http any any -> any any (msg:\"a\"; flow:to_server; "
                   "http.uri; content:\"/b\"; sid:1;)\n");
  const auto changed = loadRuleSet(inspection, 3);
  ASSERT_TRUE(first.ok() && again.ok() && changed.ok());

  EXPECT_EQ(first.rule_set->hash.size(), 64U);
  EXPECT_EQ(first.rule_set->hash, again.rule_set->hash);
  EXPECT_NE(first.rule_set->hash, changed.rule_set->hash);
}

TEST_F(RuleSetTest, AMissingListFileIsAProblemNotACrash) {
  config::Inspection inspection;
  config::IpList list;
  list.file = (dir_ / "absent.txt").string();
  inspection.ip_lists.push_back(list);
  const auto load = loadRuleSet(inspection, 1);

  ASSERT_TRUE(load.ok());
  ASSERT_EQ(load.list_problems.size(), 1U);
  EXPECT_EQ(load.list_problems[0].line, 0U);
  EXPECT_EQ(load.rule_set->checkIp(*IpAddress::parse("192.0.2.1")).decision, Decision::Pass);
}

}  // namespace
}  // namespace bulwark::rules
