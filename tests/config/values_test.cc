#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/values.h"

namespace bulwark::config {
namespace {

class AddressParserTest : public ::testing::Test {
protected:
  std::optional<Address> parse(std::string_view text, PortRule rule = PortRule::NonZero) {
    why_.clear();
    return parseAddress(text, rule, why_);
  }

  std::string why_;
};

TEST_F(AddressParserTest, ParsesIpv4NameAndBracketedIpv6) {
  auto v4 = parse("10.1.2.3:80");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "10.1.2.3");
  EXPECT_EQ(v4->port, 80);
  auto name = parse("web-1.internal:65535");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "web-1.internal");
  EXPECT_EQ(name->port, 65535);
  auto v6 = parse("[fe80::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "fe80::1");
  EXPECT_EQ(v6->toString(), "[fe80::1]:443");
}

TEST_F(AddressParserTest, AllowsPortZeroOnlyWhenAsked) {
  EXPECT_FALSE(parse("127.0.0.1:0", PortRule::NonZero));
  EXPECT_EQ(why_, "the port must be 1-65535");
  auto any = parse("127.0.0.1:0", PortRule::ZeroAllowed);
  ASSERT_TRUE(any);
  EXPECT_EQ(any->port, 0);
}

TEST_F(AddressParserTest, RejectsMalformedAddresses) {
  for (const char* bad : {"", ":80", "host", "host:", "host:65536", "host:+80", "host:8 0", "[::1]",
                          "[::1]80", "[nope]:80", "::1:80", "1.2.3.4.5:80", "999.0.0.1:80",
                          "bad host:80", "host:-1", "[::1:80"}) {
    EXPECT_FALSE(parse(bad)) << bad;
    EXPECT_FALSE(why_.empty()) << bad;
  }
}

TEST(CidrTest, AcceptsIpv4AndIpv6PrefixesAndBareAddresses) {
  std::string why;
  bool host_bits = true;
  for (const char* good : {"0.0.0.0/0", "10.0.0.0/8", "192.0.2.1/32", "192.0.2.1", "::/0",
                           "2001:db8::/32", "::1/128", "::1"}) {
    EXPECT_TRUE(checkCidr(good, why, host_bits)) << good << ": " << why;
    EXPECT_FALSE(host_bits) << good;
  }
}

TEST(CidrTest, RejectsBadAddressesAndPrefixLengths) {
  std::string why;
  bool host_bits = false;
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0/8",
                          "2001:db8::/129", "2001:db8::g/64", "10.0.0.0/8/8", "10.0.0.0/ 8"}) {
    EXPECT_FALSE(checkCidr(bad, why, host_bits)) << bad;
  }
}

TEST(CidrTest, FlagsHostBitsPastThePrefix) {
  std::string why;
  bool host_bits = false;
  EXPECT_TRUE(checkCidr("203.0.113.5/24", why, host_bits));
  EXPECT_TRUE(host_bits);
  EXPECT_TRUE(checkCidr("2001:db8::1/64", why, host_bits));
  EXPECT_TRUE(host_bits);
  EXPECT_TRUE(checkCidr("203.0.113.128/25", why, host_bits));
  EXPECT_FALSE(host_bits);
}

TEST(ConfigHostTest, LowerCasesAndDropsTrailingDot) {
  EXPECT_EQ(normalizeConfigHost("Demo.Example.COM."), "demo.example.com");
  EXPECT_EQ(normalizeConfigHost("a_b-1"), "a_b-1");
  EXPECT_FALSE(normalizeConfigHost(""));
  EXPECT_FALSE(normalizeConfigHost("."));
  EXPECT_FALSE(normalizeConfigHost("a b"));
  EXPECT_FALSE(normalizeConfigHost("a/b"));
}

TEST(ConfigNameTest, AcceptsOnlyStatSafeNames) {
  EXPECT_TRUE(isValidName("demo-web_2"));
  EXPECT_FALSE(isValidName(""));
  EXPECT_FALSE(isValidName("a.b"));
  EXPECT_FALSE(isValidName("a b"));
}

TEST(EditDistanceTest, CountsEditsAndSwaps) {
  EXPECT_EQ(editDistance("", ""), 0U);
  EXPECT_EQ(editDistance("abc", ""), 3U);
  EXPECT_EQ(editDistance("address", "address"), 0U);
  EXPECT_EQ(editDistance("adress", "address"), 1U);
  EXPECT_EQ(editDistance("addrses", "address"), 1U);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3U);
}

TEST(EditDistanceTest, SuggestsClosestWithinTwoEdits) {
  const std::vector<std::string_view> keys = {"interval", "timeout", "path"};
  EXPECT_EQ(closestMatch("intervall", keys), "interval");
  EXPECT_EQ(closestMatch("timout", keys), "timeout");
  EXPECT_EQ(closestMatch("healthy", keys), "");
  EXPECT_EQ(joinNames(keys), "interval, timeout, path");
}

} // namespace
} // namespace bulwark::config
