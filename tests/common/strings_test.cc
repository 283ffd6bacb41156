#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "common/strings.h"

namespace bulwark {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, ReadsEveryUnit) {
  EXPECT_EQ(parseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(parseDuration("2s"), milliseconds(2000));
  EXPECT_EQ(parseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(parseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parseDuration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(parseDuration("1500us"), milliseconds(1));
  EXPECT_EQ(parseDuration("0s"), milliseconds(0));
}

TEST(ParseDurationTest, RejectsWhatIsNotWholeNumberAndUnit) {
  for (const char* bad :
       {"", "s", "10", "1.5s", "-1s", "+1s", " 1s", "1s ", "1 s", "1S", "1sec", "1ms1", "1m30s"}) {
    EXPECT_FALSE(parseDuration(bad).has_value()) << bad;
  }
}

TEST(ParseDurationTest, RejectsOverflow) {
  EXPECT_FALSE(parseDuration("99999999999999999999s").has_value());
  EXPECT_FALSE(parseDuration("999999999999999999d").has_value());
  EXPECT_FALSE(parseDuration("18446744073709551615ms").has_value());
  EXPECT_EQ(parseDuration("9223372036854775807ms"), milliseconds(INT64_MAX));
}

TEST(FormatDurationTest, UsesLargestExactUnitAndRoundTrips) {
  EXPECT_EQ(formatDuration(milliseconds(0)), "0ms");
  EXPECT_EQ(formatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(formatDuration(milliseconds(90'000)), "90s");
  EXPECT_EQ(formatDuration(milliseconds(300'000)), "5m");
  EXPECT_EQ(formatDuration(milliseconds(7'200'000)), "2h");
  for (int64_t ms : {1, 999, 1000, 61'000, 3'600'000, 86'400'000}) {
    EXPECT_EQ(parseDuration(formatDuration(milliseconds(ms))), milliseconds(ms)) << ms;
  }
}

TEST(ParseSizeTest, ReadsBinaryAndDecimalUnits) {
  EXPECT_EQ(parseSize("512"), 512U);
  EXPECT_EQ(parseSize("512B"), 512U);
  EXPECT_EQ(parseSize("16KiB"), 16U * 1024);
  EXPECT_EQ(parseSize("1MiB"), 1U << 20);
  EXPECT_EQ(parseSize("2GiB"), 2ULL << 30);
  EXPECT_EQ(parseSize("1KB"), 1000U);
  EXPECT_EQ(parseSize("1MB"), 1'000'000U);
  EXPECT_EQ(parseSize("1GB"), 1'000'000'000U);
  EXPECT_EQ(parseSize("0"), 0U);
}

TEST(ParseSizeTest, RejectsUnknownUnitsAndOverflow) {
  for (const char* bad : {"", "KiB", "1kib", "1Kib", "1 KiB", "1.5MiB", "-1", "1TiB", "1MiBs",
                          "99999999999999999999", "17179869184GiB"}) {
    EXPECT_FALSE(parseSize(bad).has_value()) << bad;
  }
  EXPECT_EQ(parseSize("18446744073709551615"), UINT64_MAX);
}

TEST(AppendJsonStringTest, QuotesAndEscapes) {
  std::string out = "x=";
  appendJsonString(out, "a\"b\\c\nd\re\tf");
  EXPECT_EQ(out, R"(x="a\"b\\c\nd\re\tf")");
}

TEST(AppendJsonStringTest, EscapesControlAndNonAsciiBytes) {
  std::string out;
  appendJsonString(out, std::string("\x01\x1f\x7f\xc3\xa9\0z", 7));
  EXPECT_EQ(out, R"("\u0001\u001f)"
                 "\x7f"
                 R"(\u00c3\u00a9\u0000z")");
}

TEST(AppendJsonStringTest, WritesEmptyString) {
  std::string out;
  appendJsonString(out, "");
  EXPECT_EQ(out, "\"\"");
}

TEST(CaseInsensitiveTest, ComparesAsciiOnly) {
  EXPECT_TRUE(iequals("Host", "hOST"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Host", "Hosts"));
  EXPECT_FALSE(iequals("@", "`")); // 0x40 and 0x60 differ by the case bit but are not letters
  EXPECT_FALSE(iequals("\xc3\x89", "\xc3\xa9")); // É and é: no Unicode folding
  EXPECT_TRUE(istartsWith("/Client/Demo/x", "/client/demo/"));
  EXPECT_FALSE(istartsWith("/cli", "/client"));
  EXPECT_TRUE(istartsWith("anything", ""));
  EXPECT_EQ(asciiLower('Z'), 'z');
  EXPECT_EQ(asciiLower('['), '[');
  EXPECT_EQ(toLowerAscii("MiXeD-123.COM"), "mixed-123.com");
}

} // namespace
} // namespace bulwark
