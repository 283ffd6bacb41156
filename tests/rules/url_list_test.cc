#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "rules/normalize.h"
#include "rules/url_list.h"

namespace bulwark::rules {
namespace {

class UrlSetTest : public ::testing::Test {
protected:
  UrlSet load(std::string_view text, UrlListOptions options = {}) {
    return UrlSet::fromText(text, "blocked-urls.txt", problems_, options);
  }

  // The line of the entry that matched, 0 for no match.
  static uint32_t matchedLine(const UrlSet& set, std::string_view path,
                              std::string_view query = {}) {
    const UrlMatch match = set.match(path, query);
    EXPECT_NE(match.status, UrlMatchStatus::Error) << path;
    return match.status == UrlMatchStatus::Match ? match.entry->line : 0;
  }

  std::string problemText() const {
    std::string out;
    for (const ListProblem& problem : problems_) {
      out += problem.toString() + "\n";
    }
    return out;
  }

  std::vector<ListProblem> problems_;
};

TEST_F(UrlSetTest, PrefixMatchesEveryPathStartingWithIt) {
  const UrlSet set = load("/admin\n/client/demo/setup/\n");

  ASSERT_TRUE(problems_.empty()) << problemText();
  EXPECT_EQ(matchedLine(set, "/admin"), 1U);
  EXPECT_EQ(matchedLine(set, "/admin/users.asp"), 1U);
  EXPECT_EQ(matchedLine(set, "/admin.asp"), 1U);
  EXPECT_EQ(matchedLine(set, "/administrator"), 1U);
  EXPECT_EQ(matchedLine(set, "/client/demo/setup/step1.asp"), 2U);
  EXPECT_EQ(matchedLine(set, "/client/demo/setup"), 0U);
  EXPECT_EQ(matchedLine(set, "/adm"), 0U);
  EXPECT_EQ(matchedLine(set, "/"), 0U);
  EXPECT_EQ(matchedLine(set, "/x/admin"), 0U);
}

TEST_F(UrlSetTest, ShortestOfNestedPrefixesWins) {
  const UrlSet set = load("/a/b/c\n/a/b\n/a/bz\n/b\n/a/c\n");

  EXPECT_EQ(matchedLine(set, "/a/b/c/d"), 2U);
  EXPECT_EQ(matchedLine(set, "/a/bz"), 2U);
  EXPECT_EQ(matchedLine(set, "/a/c"), 5U);
  EXPECT_EQ(matchedLine(set, "/a/a"), 0U);
  EXPECT_EQ(matchedLine(set, "/a/d"), 0U);
  EXPECT_EQ(matchedLine(set, "/bb"), 4U);
  EXPECT_EQ(set.size(), 3U);
}

TEST_F(UrlSetTest, ExactMatchesOnlyThatPath) {
  const UrlSet set = load("=/client/demo/main/login.asp\n");

  EXPECT_EQ(matchedLine(set, "/client/demo/main/login.asp"), 1U);
  EXPECT_EQ(matchedLine(set, "/client/demo/main/login.asp", "user=a"), 1U);
  EXPECT_EQ(matchedLine(set, "/client/demo/main/login.aspx"), 0U);
  EXPECT_EQ(matchedLine(set, "/client/demo/main/"), 0U);
}

TEST_F(UrlSetTest, IgnoresCaseByDefault) {
  const UrlSet set = load("/Admin\n=/Client/Demo/Main/Login.asp\n~\\.BAK$\n");

  EXPECT_EQ(matchedLine(set, "/ADMIN/x"), 1U);
  EXPECT_EQ(matchedLine(set, "/admin"), 1U);
  EXPECT_EQ(matchedLine(set, "/client/demo/main/LOGIN.ASP"), 2U);
  EXPECT_EQ(matchedLine(set, "/db/site.bak"), 3U);
}

TEST_F(UrlSetTest, CaseSensitiveListComparesBytes) {
  const UrlSet set = load("/Admin\n=/Login.asp\n~\\.BAK$\n", {UrlCase::Sensitive});

  EXPECT_EQ(matchedLine(set, "/Admin/x"), 1U);
  EXPECT_EQ(matchedLine(set, "/admin/x"), 0U);
  EXPECT_EQ(matchedLine(set, "/Login.asp"), 2U);
  EXPECT_EQ(matchedLine(set, "/login.asp"), 0U);
  EXPECT_EQ(matchedLine(set, "/site.BAK"), 3U);
  EXPECT_EQ(matchedLine(set, "/site.bak"), 0U);
}

TEST_F(UrlSetTest, EntriesAreNormalisedLikeRequestPaths) {
  const UrlSet set = load("/a%20b/\n=/x/./y/../z.asp\n/back\\slash\n");

  ASSERT_TRUE(problems_.empty()) << problemText();
  EXPECT_EQ(matchedLine(set, "/a b/c"), 1U);
  EXPECT_EQ(matchedLine(set, "/x/z.asp"), 2U);
  EXPECT_EQ(matchedLine(set, "/back/slash"), 3U);

  // A request spelled differently reaches the same entry once normalised.
  NormalizedPath normalized;
  ASSERT_EQ(normalizePath("/A%2520B/../a%20B/page", normalized), PathVerdict::Ok);
  EXPECT_EQ(matchedLine(set, normalized.path), 1U);
}

TEST_F(UrlSetTest, RegexSeesPathAndThenPathWithQuery) {
  const UrlSet set = load("~\\.(bak|old)$\n~\\?(.*&)?cmd=\n~^/client/[^/]+/admin/\n");

  ASSERT_TRUE(problems_.empty()) << problemText();
  EXPECT_EQ(matchedLine(set, "/site.bak"), 1U);
  EXPECT_EQ(matchedLine(set, "/site.bak", "x=1"), 1U);
  EXPECT_EQ(matchedLine(set, "/run.asp", "a=1&cmd=dir"), 2U);
  EXPECT_EQ(matchedLine(set, "/run.asp", "cmd=dir"), 2U);
  EXPECT_EQ(matchedLine(set, "/run.asp", "xcmd=dir"), 0U);
  EXPECT_EQ(matchedLine(set, "/client/demo/admin/users.asp"), 3U);
  EXPECT_EQ(matchedLine(set, "/client/admin/"), 0U);
  EXPECT_EQ(matchedLine(set, "/site.bakery"), 0U);
}

TEST_F(UrlSetTest, FirstWrittenRegexIsReportedWhenSeveralMatch) {
  const UrlSet set = load("~login\n~\\.asp$\n~^/\n");

  EXPECT_EQ(matchedLine(set, "/main/login.asp"), 1U);
  EXPECT_EQ(matchedLine(set, "/main/index.asp"), 2U);
  EXPECT_EQ(set.match("/main/index.asp").entry->pattern, "\\.asp$");
  EXPECT_EQ(set.match("/main/index.asp").entry->kind, UrlEntryKind::Regex);
}

TEST_F(UrlSetTest, ReportsBadLinesWithTheirNumbersAndKeepsTheRest) {
  const UrlSet set = load("/ok\n"            // 1
                          "admin\n"          // 2
                          "=admin.asp\n"     // 3
                          "~(unclosed\n"     // 4
                          "~\n"              // 5
                          "/a%zz\n"          // 6
                          "/x?debug=1\n"     // 7
                          "/../etc\n"        // 8
                          "  # comment\n"    // 9
                          "~[a-z]+\\.ini$\n" // 10
                          "=/exact\n");      // 11

  const std::vector<std::pair<uint32_t, std::string_view>> expected = {
      {2, "expected /prefix, =/exact/path or ~regex"},
      {3, "'=' must be followed by a path"},
      {4, "bad regex: missing )"},
      {5, "'~' must be followed by a regex"},
      {6, "not a valid path (bad_encoding)"},
      {7, "never sees the query"},
      {8, "not a valid path (escapes_root)"}};
  ASSERT_EQ(problems_.size(), expected.size()) << problemText();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(problems_[i].file, "blocked-urls.txt");
    EXPECT_EQ(problems_[i].line, expected[i].first);
    EXPECT_NE(problems_[i].reason.find(expected[i].second), std::string::npos)
        << problems_[i].toString();
  }
  EXPECT_EQ(matchedLine(set, "/ok/x"), 1U);
  EXPECT_EQ(matchedLine(set, "/conf/site.ini"), 10U);
  EXPECT_EQ(matchedLine(set, "/exact"), 11U);
  EXPECT_EQ(set.size(), 3U);
}

TEST_F(UrlSetTest, LongQueriesAndManyThreads) {
  const UrlSet set = load("~cmd=\n/blocked\n");
  const std::string long_query = std::string(20000, 'a') + "&cmd=x";

  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        hits[t] += set.match("/page.asp", long_query).status == UrlMatchStatus::Match ? 1 : 0;
        hits[t] += set.match("/page.asp", "x=1").status == UrlMatchStatus::Match ? 1 : 0;
        hits[t] += set.match("/blocked/a").status == UrlMatchStatus::Match ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (int count : hits) {
    EXPECT_EQ(count, 400);
  }
}

TEST_F(UrlSetTest, EmptyAndMissingSetsMatchNothing) {
  const UrlSet empty;
  EXPECT_EQ(empty.match("/admin", "a=b").status, UrlMatchStatus::NoMatch);

  const UrlSet missing = UrlSet::fromFile("/nonexistent/urls.txt", problems_);
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].line, 0U);
  EXPECT_EQ(missing.match("/").status, UrlMatchStatus::NoMatch);
}

TEST_F(UrlSetTest, CopiesShareTheCompiledRegexes) {
  const UrlSet original = load("~secret\n");
  const UrlSet copy = original; // NOLINT(performance-unnecessary-copy-initialization)

  EXPECT_EQ(matchedLine(copy, "/my-secret"), 1U);
  EXPECT_EQ(matchedLine(original, "/my-secret"), 1U);
}

} // namespace
} // namespace bulwark::rules
