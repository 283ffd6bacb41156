#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "rules/domain_list.h"
#include "rules/normalize.h"

namespace bulwark::rules {
namespace {

class DomainSetTest : public ::testing::Test {
protected:
  DomainSet load(std::string_view text, DomainListOptions options = {}) {
    return DomainSet::fromText(text, "blocked-domains.txt", problems_, options);
  }

  static bool matches(const DomainSet& set, std::string_view host) {
    return set.match(host) != nullptr;
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

TEST_F(DomainSetTest, BareNameMatchesOnlyItself) {
  const DomainSet set = load("abc.example.com\n");

  EXPECT_TRUE(matches(set, "abc.example.com"));
  EXPECT_FALSE(matches(set, "example.com"));
  EXPECT_FALSE(matches(set, "x.abc.example.com"));
  EXPECT_FALSE(matches(set, "xabc.example.com"));
  EXPECT_TRUE(problems_.empty()) << problemText();
}

TEST_F(DomainSetTest, LeadingDotCoversDomainAndEverySubdomain) {
  const DomainSet set = load(".example.com\n");

  EXPECT_TRUE(matches(set, "example.com"));
  EXPECT_TRUE(matches(set, "www.example.com"));
  EXPECT_TRUE(matches(set, "a.b.c.example.com"));
  EXPECT_FALSE(matches(set, "badexample.com"));
  EXPECT_FALSE(matches(set, "example.com.evil.net"));
  EXPECT_FALSE(matches(set, "com"));
}

TEST_F(DomainSetTest, ComparesWithoutCaseAndDropsTrailingDot) {
  const DomainSet set = load("ABC.Example.COM.\n.Evil.NET\n");

  EXPECT_TRUE(matches(set, "abc.example.com"));
  EXPECT_TRUE(matches(set, "abc.example.com."));
  EXPECT_TRUE(matches(set, "ABC.example.Com"));
  EXPECT_TRUE(matches(set, "WWW.EVIL.NET"));
  ASSERT_NE(set.match("abc.example.com"), nullptr);
  EXPECT_EQ(set.name(*set.match("abc.example.com")), "abc.example.com");
}

TEST_F(DomainSetTest, MatchesHostHeaderOnceCallerStripsPort) {
  const DomainSet set = load(".example.com\n");

  EXPECT_TRUE(matches(set, normalizeHost("WWW.Example.com:8443")));
  EXPECT_TRUE(matches(set, normalizeHost("example.com.:443")));
  // Without normalisation a port is part of the last label and matches nothing.
  EXPECT_FALSE(matches(set, "example.com:8443"));
}

TEST_F(DomainSetTest, ConvertsUnicodeNamesToALabels) {
  const DomainSet set = load("bücher.example\n.xn--mnchen-3ya.example\n.Straße.example\n");

  ASSERT_TRUE(problems_.empty()) << problemText();
  EXPECT_TRUE(matches(set, "xn--bcher-kva.example"));
  EXPECT_TRUE(matches(set, "shop.xn--mnchen-3ya.example"));
  // Non-transitional processing keeps ß (xn--strae-oqa), as browsers do since IDNA 2008.
  EXPECT_TRUE(matches(set, "www.xn--strae-oqa.example"));
  EXPECT_FALSE(matches(set, "strasse.example"));
  EXPECT_EQ(set.name(*set.match("xn--bcher-kva.example")), "xn--bcher-kva.example");
}

TEST_F(DomainSetTest, ReportsInvalidUnicodeName) {
  const DomainSet set = load("ok.example\nbad\xff\xfe.example\n");

  ASSERT_EQ(problems_.size(), 1U) << problemText();
  EXPECT_EQ(problems_[0].line, 2U);
  EXPECT_NE(problems_[0].reason.find("internationalised"), std::string::npos)
      << problems_[0].reason;
  EXPECT_TRUE(matches(set, "ok.example"));
}

TEST_F(DomainSetTest, SkipsCommentsBlankLinesAndWhitespace) {
  const DomainSet set = load("\xEF\xBB\xBF# blocked\r\n\r\n   \t\n  a.example  # phishing\r\n"
                             "#b.example\n\tc.example\n");

  EXPECT_TRUE(problems_.empty()) << problemText();
  EXPECT_EQ(set.size(), 2U);
  EXPECT_TRUE(matches(set, "a.example"));
  EXPECT_TRUE(matches(set, "c.example"));
  EXPECT_FALSE(matches(set, "b.example"));
  EXPECT_EQ(set.match("a.example")->line, 4U);
}

TEST_F(DomainSetTest, ReportsEveryBadLineWithItsNumberAndKeepsTheRest) {
  const std::vector<std::string> lines = {
      "good1.example",                   // 1
      "*.wild.example",                  // 2
      "a..b.example",                    // 3
      "two names.example",               // 4
      "http://x.example/path",           // 5
      "x.example:8080",                  // 6
      "[2001:db8::1]",                   // 7
      "bang!.example",                   // 8
      std::string(64, 'a') + ".example", // 9
      "..double.example",                // 10
      "good2.example",                   // 11
  };
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  const DomainSet set = load(text);

  const std::vector<std::pair<uint32_t, std::string_view>> expected = {
      {2, "wildcards are not supported"},
      {3, "empty label"},
      {4, "expected one name a line"},
      {5, "a URL or path"},
      {6, "a port"},
      {7, "a port or IPv6 address"},
      {8, "character '!' not allowed"},
      {9, "label longer than 63 bytes"},
      {10, "empty label"}};
  ASSERT_EQ(problems_.size(), expected.size()) << problemText();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(problems_[i].file, "blocked-domains.txt");
    EXPECT_EQ(problems_[i].line, expected[i].first);
    EXPECT_NE(problems_[i].reason.find(expected[i].second), std::string::npos)
        << problems_[i].toString();
  }
  EXPECT_EQ(problems_[0].toString().substr(0, 22), "blocked-domains.txt:2:");
  EXPECT_EQ(set.size(), 2U);
  EXPECT_TRUE(matches(set, "good1.example"));
  EXPECT_TRUE(matches(set, "good2.example"));
}

TEST_F(DomainSetTest, AcceptsHostsFileLines) {
  const DomainSet set = load("0.0.0.0 ads.example tracker.example\n127.0.0.1 spy.example\n"
                             ":: v6.example\n");

  EXPECT_TRUE(problems_.empty()) << problemText();
  EXPECT_TRUE(matches(set, "ads.example"));
  EXPECT_TRUE(matches(set, "tracker.example"));
  EXPECT_TRUE(matches(set, "spy.example"));
  EXPECT_TRUE(matches(set, "v6.example"));
  EXPECT_FALSE(matches(set, "x.ads.example"));
  EXPECT_FALSE(matches(set, "0.0.0.0"));
}

TEST_F(DomainSetTest, BareNamesCoverSubdomainsWhenAsked) {
  const DomainSet set = load("evil.example\n", {BareNames::WithSubdomains});

  EXPECT_TRUE(matches(set, "evil.example"));
  EXPECT_TRUE(matches(set, "cdn.evil.example"));
  EXPECT_FALSE(matches(set, "notevil.example"));
}

TEST_F(DomainSetTest, NameWrittenTwiceKeepsWiderScopeAndFirstLine) {
  const DomainSet set = load("a.example\n.a.example\nA.EXAMPLE\n");

  EXPECT_EQ(set.size(), 1U);
  ASSERT_NE(set.match("x.a.example"), nullptr);
  EXPECT_EQ(set.match("x.a.example")->line, 1U);
  EXPECT_EQ(set.match("x.a.example")->scope, DomainScope::WithSubdomains);
}

TEST_F(DomainSetTest, ReturnsShortestCoveringEntry) {
  const DomainSet set = load("deep.a.example\n.a.example\n");

  ASSERT_NE(set.match("deep.a.example"), nullptr);
  EXPECT_EQ(set.name(*set.match("deep.a.example")), "a.example");
}

TEST_F(DomainSetTest, WholeTopLevelDomainCanBeListed) {
  const DomainSet set = load(".zip\n");

  EXPECT_TRUE(matches(set, "download.zip"));
  EXPECT_FALSE(matches(set, "zip.example"));
}

TEST_F(DomainSetTest, IgnoresHostsThatAreNotNames) {
  const DomainSet set = load(".example.com\n");

  EXPECT_FALSE(matches(set, ""));
  EXPECT_FALSE(matches(set, "."));
  EXPECT_FALSE(matches(set, "[::1]"));
  EXPECT_FALSE(matches(set, std::string(300, 'a')));
}

TEST_F(DomainSetTest, MatchesLabelsOfEveryLength) {
  // Labels are hashed a word at a time; lengths around 4 and 8 take different paths.
  std::string text;
  std::vector<std::string> names;
  for (size_t length = 1; length <= 63; ++length) {
    std::string label;
    for (size_t i = 0; i < length; ++i) {
      label.push_back(static_cast<char>('a' + (i * 7 + length) % 26));
    }
    names.push_back(label + "." + label.substr(0, (length + 1) / 2) + ".example");
    text += "." + names.back() + "\n";
  }
  const DomainSet set = load(text);

  ASSERT_TRUE(problems_.empty()) << problemText();
  for (const std::string& name : names) {
    EXPECT_TRUE(matches(set, name)) << name;
    EXPECT_TRUE(matches(set, "w." + name)) << name;
    std::string near = name;
    near[name.find('.') - 1] = '-'; // last byte of the first label
    EXPECT_FALSE(matches(set, near)) << near;
    EXPECT_FALSE(matches(set, name.substr(1))) << name;
  }
}

TEST_F(DomainSetTest, ServesConcurrentReaders) {
  const DomainSet set = load(".example.com\nexact.example.net\n");
  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        hits[t] += matches(set, "www.example.com") ? 1 : 0;
        hits[t] += matches(set, "exact.example.net") ? 1 : 0;
        hits[t] += matches(set, "www.example.net") ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const int count : hits) {
    EXPECT_EQ(count, 20000);
  }
}

TEST_F(DomainSetTest, EmptySetMatchesNothing) {
  const DomainSet set;

  EXPECT_FALSE(matches(set, "example.com"));
  EXPECT_TRUE(set.empty());
}

TEST_F(DomainSetTest, MissingFileIsAProblemNotAnException) {
  const DomainSet set = DomainSet::fromFile("/nonexistent/blocked.txt", problems_);

  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].file, "/nonexistent/blocked.txt");
  EXPECT_EQ(problems_[0].line, 0U);
  EXPECT_EQ(problems_[0].toString().rfind("/nonexistent/blocked.txt: cannot open", 0), 0U)
      << problems_[0].toString();
  EXPECT_TRUE(set.empty());
}

TEST_F(DomainSetTest, LoadsFromFile) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("domain_list_test_" + std::to_string(getpid()));
  {
    std::ofstream out(path);
    out << ".example.org\nbad name\n";
  }
  const DomainSet set = DomainSet::fromFile(path.string(), problems_);
  std::filesystem::remove(path);

  EXPECT_TRUE(matches(set, "www.example.org"));
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].file, path.string());
  EXPECT_EQ(problems_[0].line, 2U);
}

TEST_F(DomainSetTest, LoadsAMillionNames) {
  constexpr size_t kNames = 1'000'000;
  std::string text;
  text.reserve(kNames * 32);
  for (size_t i = 0; i < kNames; ++i) {
    text += "host" + std::to_string(i) + ".zone" + std::to_string(i % 997) + ".example\n";
  }

  const auto start = std::chrono::steady_clock::now();
  const DomainSet set = load(text);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::printf("[ info     ] loaded %zu names in %lld ms, %zu bytes held\n", set.size(),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()),
              set.memoryBytes());

  ASSERT_TRUE(problems_.empty()) << problemText();
  EXPECT_EQ(set.size(), kNames);
  for (size_t i = 0; i < kNames; i += 997) {
    const std::string name = "host" + std::to_string(i) + ".zone" + std::to_string(i % 997);
    ASSERT_TRUE(matches(set, name + ".example")) << name;
    ASSERT_FALSE(matches(set, "x." + name + ".example")) << name;
    ASSERT_FALSE(matches(set, name + ".example.net")) << name;
  }
}

// The public test data sit beside the checkout (shared/data); CI may point elsewhere.
std::filesystem::path sharedDataDir() {
  if (const char* dir = std::getenv("BULWARK_SHARED_DATA")) {
    return dir;
  }
  const char* source = std::getenv("BULWARK_SOURCE_DIR");
  return std::filesystem::path(source != nullptr ? source : BULWARK_SOURCE_DIR) / ".." / "shared" /
         "data";
}

std::vector<std::string> readLines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

TEST_F(DomainSetTest, RefusesEveryMaliciousDomainAndItsSubdomains) {
  const std::filesystem::path file = sharedDataDir() / "domains" / "malicious.domains.txt";
  if (!std::filesystem::exists(file)) {
    GTEST_SKIP() << "test data missing: " << file << " (set BULWARK_SHARED_DATA)";
  }
  const DomainSet set = DomainSet::fromFile(file.string(), problems_, {BareNames::WithSubdomains});

  EXPECT_TRUE(problems_.empty()) << problemText();
  size_t names = 0;
  for (const std::string& line : readLines(file)) {
    const std::string name = normalizeHost(line);
    ASSERT_FALSE(name.empty()) << line;
    EXPECT_TRUE(matches(set, name)) << name;
    EXPECT_TRUE(matches(set, "x." + name)) << name;
    EXPECT_TRUE(matches(set, "a.b." + name)) << name;
    ++names;
  }
  EXPECT_GT(names, 2000U);
  EXPECT_EQ(set.size(), names);
}

TEST_F(DomainSetTest, PopularDomainsMatchOnlyWhereTheyOverlapTheMaliciousList) {
  const std::filesystem::path malicious = sharedDataDir() / "domains" / "malicious.domains.txt";
  const std::filesystem::path popular = sharedDataDir() / "domains" / "top-100k.domains.txt";
  if (!std::filesystem::exists(malicious) || !std::filesystem::exists(popular)) {
    GTEST_SKIP() << "test data missing under " << sharedDataDir() << " (set BULWARK_SHARED_DATA)";
  }
  const DomainSet set =
      DomainSet::fromFile(malicious.string(), problems_, {BareNames::WithSubdomains});
  ASSERT_TRUE(problems_.empty()) << problemText();

  // The overlap computed the slow, obvious way: a popular name is expected to match when it or
  // any parent domain of it is in the malicious list.
  std::unordered_set<std::string> listed;
  for (const std::string& line : readLines(malicious)) {
    listed.insert(normalizeHost(line));
  }
  size_t checked = 0;
  size_t overlaps = 0;
  for (const std::string& line : readLines(popular)) {
    const std::string host = normalizeHost(line);
    if (host.empty()) {
      continue; // a few rows carry a path ("site.example/user"): not host names
    }
    bool expected = false;
    for (std::string_view suffix = host; !suffix.empty() && !expected;) {
      expected = listed.contains(std::string(suffix));
      const size_t dot = suffix.find('.');
      suffix = dot == std::string_view::npos ? std::string_view() : suffix.substr(dot + 1);
    }
    EXPECT_EQ(matches(set, host), expected) << host;
    ++checked;
    overlaps += expected ? 1 : 0;
  }
  std::printf("[ info     ] %zu popular names checked, %zu overlap the malicious list\n", checked,
              overlaps);
  EXPECT_GT(checked, 99000U);
}

} // namespace
} // namespace bulwark::rules
