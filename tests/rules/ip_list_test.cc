#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "rules/ip_list.h"

namespace bulwark::rules {
namespace {

class IpSetTest : public ::testing::Test {
protected:
  IpSet load(std::string_view text) { return IpSet::fromText(text, "blocked-ips.txt", problems_); }

  static bool contains(const IpSet& set, std::string_view address) {
    const std::optional<IpAddress> parsed = IpAddress::parse(address);
    EXPECT_TRUE(parsed.has_value()) << address;
    return parsed && set.contains(*parsed);
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

TEST_F(IpSetTest, ParsesSingleAddresses) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1"), IpAddress::fromV4(0xc0000201));
  EXPECT_EQ(IpAddress::parse("::ffff:192.0.2.1"), IpAddress::fromV4(0xc0000201));
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->toString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->toString(), "192.0.2.1");
  EXPECT_TRUE(IpAddress::parse("192.0.2.1")->isV4());
  EXPECT_FALSE(IpAddress::parse("2001:db8::1")->isV4());

  for (std::string_view bad : {"", "192.0.2", "192.0.2.256", "010.0.0.1", " 192.0.2.1",
                               "192.0.2.1:80", "[::1]", "fe80::1%eth0", "2001:db8:::1", "host"}) {
    EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
  }
}

TEST_F(IpSetTest, ConvertsFromSocketAddresses) {
  in_addr v4{};
  ASSERT_EQ(inet_pton(AF_INET, "198.51.100.7", &v4), 1);
  in6_addr v6{};
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:198.51.100.7", &v6), 1);

  EXPECT_EQ(IpAddress::fromIn4(v4), IpAddress::fromIn6(v6));
  EXPECT_EQ(IpAddress::fromBytes(v6.s6_addr), IpAddress::fromIn6(v6));
  EXPECT_EQ(IpAddress::fromIn4(v4).toString(), "198.51.100.7");
}

TEST_F(IpSetTest, MatchesIpv4BlocksAndAddresses) {
  const IpSet set = load("10.0.0.0/8\n192.0.2.7\n");

  EXPECT_TRUE(problems_.empty()) << problemText();
  EXPECT_TRUE(contains(set, "10.0.0.0"));
  EXPECT_TRUE(contains(set, "10.255.255.255"));
  EXPECT_TRUE(contains(set, "192.0.2.7"));
  EXPECT_FALSE(contains(set, "11.0.0.0"));
  EXPECT_FALSE(contains(set, "9.255.255.255"));
  EXPECT_FALSE(contains(set, "192.0.2.8"));
  EXPECT_FALSE(contains(set, "::a00:1")); // IPv4-compatible form is not mapped
}

TEST_F(IpSetTest, Ipv4EntriesMatchIpv4MappedClients) {
  const IpSet set = load("203.0.113.0/24\n");

  EXPECT_TRUE(contains(set, "::ffff:203.0.113.9"));
  EXPECT_TRUE(contains(set, "::FFFF:cb00:7109"));
  EXPECT_FALSE(contains(set, "::ffff:203.0.114.1"));
  EXPECT_FALSE(contains(set, "64:ff9b::203.0.113.9"));
}

TEST_F(IpSetTest, MatchesIpv6Blocks) {
  const IpSet set = load("2001:db8::/32\nfe80::1\n");

  EXPECT_TRUE(contains(set, "2001:db8::"));
  EXPECT_TRUE(contains(set, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(contains(set, "fe80::1"));
  EXPECT_FALSE(contains(set, "2001:db9::"));
  EXPECT_FALSE(contains(set, "fe80::2"));
  EXPECT_FALSE(contains(set, "10.0.0.1"));
}

TEST_F(IpSetTest, WholeFamilyPrefixes) {
  const IpSet v4_only = load("0.0.0.0/0\n");
  EXPECT_TRUE(contains(v4_only, "255.255.255.255"));
  EXPECT_TRUE(contains(v4_only, "0.0.0.0"));
  EXPECT_FALSE(contains(v4_only, "2001:db8::1"));

  const IpSet everything = load("::/0\n");
  EXPECT_TRUE(contains(everything, "2001:db8::1"));
  EXPECT_TRUE(contains(everything, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(contains(everything, "192.0.2.1"));
  ASSERT_EQ(everything.ranges().size(), 1U);
}

TEST_F(IpSetTest, MergesOverlappingAndAdjacentBlocks) {
  const IpSet set = load("10.0.0.0/16\n10.0.5.0/24\n10.1.0.0/16\n10.0.0.9\n"
                         "192.0.2.0/25\n192.0.2.128/25\n198.51.100.1\n2001:db8::/48\n"
                         "2001:db8:0:1::/64\n");

  ASSERT_TRUE(problems_.empty()) << problemText();
  ASSERT_EQ(set.ranges().size(), 4U);
  EXPECT_EQ(set.ranges()[0].first.toString(), "10.0.0.0");
  EXPECT_EQ(set.ranges()[0].last.toString(), "10.1.255.255");
  EXPECT_EQ(set.ranges()[1].first.toString(), "192.0.2.0");
  EXPECT_EQ(set.ranges()[1].last.toString(), "192.0.2.255");
  EXPECT_EQ(set.ranges()[2].first.toString(), "198.51.100.1");
  EXPECT_EQ(set.ranges()[3].last.toString(), "2001:db8:0:ffff:ffff:ffff:ffff:ffff");
  EXPECT_TRUE(contains(set, "10.0.200.1"));
  EXPECT_TRUE(contains(set, "192.0.2.200"));
  EXPECT_FALSE(contains(set, "10.2.0.0"));
}

TEST_F(IpSetTest, ReportsBadLinesWithTheirNumbers) {
  const IpSet set = load("# edge deny list\n"      // 1
                         "10.0.0.0/8  # rfc1918\n" // 2
                         "10.0.0.1/8\n"            // 3
                         "192.0.2.0/33\n"          // 4
                         "2001:db8::/129\n"        // 5
                         "example.com\n"           // 6
                         "192.0.2.0/\n"            // 7
                         "192.0.2.0 /24\n"         // 8
                         "192.0.2.0/024\n"         // 9
                         "\n"                      // 10
                         "198.51.100.0/24\n");     // 11

  const std::vector<std::pair<uint32_t, std::string_view>> expected = {
      {3, "bits set after the prefix; write 10.0.0.0/8"},
      {4, "bad prefix length '33' (0-32)"},
      {5, "bad prefix length '129' (0-128)"},
      {6, "'example.com' is not an IPv4 or IPv6 address"},
      {7, "bad prefix length ''"},
      {8, "expected one address or CIDR block a line"},
      {9, "bad prefix length '024'"}};
  ASSERT_EQ(problems_.size(), expected.size()) << problemText();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(problems_[i].file, "blocked-ips.txt");
    EXPECT_EQ(problems_[i].line, expected[i].first);
    EXPECT_NE(problems_[i].reason.find(expected[i].second), std::string::npos)
        << problems_[i].toString();
  }
  EXPECT_TRUE(contains(set, "10.9.9.9"));
  EXPECT_TRUE(contains(set, "198.51.100.77"));
  EXPECT_EQ(set.ranges().size(), 2U);
}

TEST_F(IpSetTest, BuildsFromConfigCidrs) {
  const IpSet set =
      IpSet::fromCidrs({"192.0.2.0/24", "not-an-ip", "2001:db8::/32"}, "firewall.deny", problems_);

  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].toString(), "firewall.deny:2: 'not-an-ip' is not an IPv4 or IPv6 address");
  EXPECT_TRUE(contains(set, "192.0.2.99"));
  EXPECT_TRUE(contains(set, "2001:db8:1::1"));
  EXPECT_EQ(set.source(), "firewall.deny");
}

TEST_F(IpSetTest, HighestAddressesDoNotOverflow) {
  const IpSet set = load("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127\n"
                         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120\n"
                         "255.255.255.255\n");

  ASSERT_TRUE(problems_.empty()) << problemText();
  EXPECT_TRUE(contains(set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(contains(set, "255.255.255.255"));
  EXPECT_FALSE(contains(set, "255.255.255.254"));
  EXPECT_EQ(set.ranges().size(), 2U);
}

TEST_F(IpSetTest, EmptyAndMissingSetsContainNothing) {
  const IpSet empty;
  EXPECT_FALSE(contains(empty, "192.0.2.1"));

  const IpSet missing = IpSet::fromFile("/nonexistent/ips.txt", problems_);
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].line, 0U);
  EXPECT_FALSE(contains(missing, "192.0.2.1"));
}

} // namespace
} // namespace bulwark::rules
