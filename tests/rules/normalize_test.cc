#include "rules/normalize.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bulwark::rules {
namespace {

using namespace std::literals;

constexpr uint32_t kE = kAnomalyEncodedSlash;
constexpr uint32_t kD = kAnomalyDoubleEncoded;
constexpr uint32_t kU = kAnomalyUnicodeEscape;
constexpr uint32_t kB = kAnomalyBackslash;
constexpr uint32_t kDot = kAnomalyDotSegment;
constexpr uint32_t kM = kAnomalyMergedSlashes;
constexpr uint32_t kO = kAnomalyOverlongUtf8;
constexpr uint32_t kN = kAnomalyNonAscii;
constexpr uint32_t kT = kAnomalyTrailingDotOrSpace;

struct PathCase {
  const char* name;
  std::string_view raw;
  PathVerdict verdict;
  std::string_view path;  // checked when verdict is Ok
  uint32_t anomalies;     // checked when verdict is Ok
};

// gtest finds this by name to print a case in failure messages.
void PrintTo(const PathCase& c, std::ostream* os) {  // NOLINT(readability-identifier-naming)
  *os << c.name;
}

// How IIS reads a path, and therefore how Bulwark must read it before it routes or matches.
constexpr auto kPathCases = std::to_array<PathCase>({
    // Plain paths pass unchanged; case is kept (comparisons ignore it).
    {"Plain", "/client/demo/main/login.asp", PathVerdict::Ok, "/client/demo/main/login.asp", 0},
    {"Root", "/", PathVerdict::Ok, "/", 0},
    {"TrailingSlashKept", "/client/demo/", PathVerdict::Ok, "/client/demo/", 0},
    {"MixedCaseKept", "/Client/DEMO/Main/Login.ASP", PathVerdict::Ok, "/Client/DEMO/Main/Login.ASP",
     0},
    {"EscapedLettersDecoded", "/%41dmin/%75sers", PathVerdict::Ok, "/Admin/users", 0},

    // %2F and %5C are separators for IIS: decoded, flagged, then dot segments resolved.
    {"EncodedSlashTraversal", "/client/demo/..%2fother/", PathVerdict::Ok, "/client/other/",
     kE | kDot},
    {"EncodedSlashUpperHex", "/client/demo/..%2Fother/", PathVerdict::Ok, "/client/other/",
     kE | kDot},
    {"EncodedBackslash", "/client%5cother", PathVerdict::Ok, "/client/other", kE | kB},
    {"EncodedSlashTrailing", "/a%2f", PathVerdict::Ok, "/a/", kE},
    {"EncodedDoubleSlash", "/a%2f%2fb", PathVerdict::Ok, "/a/b", kE | kM},

    // Dot segments, plain and encoded.
    {"EncodedDots", "/client/demo/%2e%2e/other/", PathVerdict::Ok, "/client/other/", kDot},
    {"EncodedDotsAtRoot", "/%2e%2e", PathVerdict::EscapesRoot, "", 0},
    {"MixedLiteralAndEncodedDot", "/public/.%2E/admin", PathVerdict::Ok, "/admin", kDot},
    {"DotDotAtRoot", "/..", PathVerdict::EscapesRoot, "", 0},
    {"DotDotBeyondRoot", "/a/../..", PathVerdict::EscapesRoot, "", 0},
    {"EncodedSlashDotDotAtRoot", "/..%2f", PathVerdict::EscapesRoot, "", 0},
    {"DotDotLast", "/a/b/..", PathVerdict::Ok, "/a/", kDot},
    {"DotDotToRoot", "/a/..", PathVerdict::Ok, "/", kDot},
    {"DotLast", "/a/.", PathVerdict::Ok, "/a/", kDot},
    {"DotOnly", "/.", PathVerdict::Ok, "/", kDot},
    {"DotsAndSlashes", "/a/./b/../c//d/", PathVerdict::Ok, "/a/c/d/", kDot | kM},

    // Separators: '\' is '/', runs of separators merge.
    {"LeadingDoubleSlash", "//client/other", PathVerdict::Ok, "/client/other", kM},
    {"Backslashes", "/client/demo/..\\other\\", PathVerdict::Ok, "/client/other/", kB | kDot},
    {"LeadingBackslashIsNotOriginForm", "\\client\\other", PathVerdict::NotOriginForm, "", 0},

    // IIS %uXXXX: the code point, as UTF-8.
    {"UnicodeDots", "/client/demo/%u002e%u002e/other/", PathVerdict::Ok, "/client/other/",
     kU | kDot},
    {"UnicodeDotsAtRoot", "/%u002e%u002e/", PathVerdict::EscapesRoot, "", 0},
    {"UnicodeSlash", "/client/demo%u002f..%u002fother", PathVerdict::Ok, "/client/other",
     kU | kE | kDot},
    {"UnicodeUpperMark", "/%U0041", PathVerdict::Ok, "/A", kU},
    {"UnicodeTwoBytes", "/caf%u00e9", PathVerdict::Ok, "/caf\xC3\xA9", kU | kN},
    {"UnicodeThreeBytes", "/%u20AC", PathVerdict::Ok, "/\xE2\x82\xAC", kU | kN},

    // Decoded once only: what still looks like an escape is kept literally and flagged.
    {"DoubleEncodedDots", "/static/%252e%252e/admin", PathVerdict::Ok, "/static/%2e%2e/admin", kD},
    {"DoubleEncodedSlash", "/a%252fb", PathVerdict::Ok, "/a%2fb", kD},
    {"DoubleEncodedUnicode", "/%25u002e%25u002e/", PathVerdict::Ok, "/%u002e%u002e/", kD},
    {"DoubleEncodedPiecewise", "/%25%32%65", PathVerdict::Ok, "/%2e", kD},
    {"DecodedPercentAlone", "/100%25", PathVerdict::Ok, "/100%", 0},
    {"DecodedPercentBeforeNonHex", "/%25zz", PathVerdict::Ok, "/%zz", 0},

    // Overlong UTF-8 forms of ASCII, escaped or raw, are read as the ASCII byte.
    {"OverlongDots", "/a/%c0%ae%c0%ae/b", PathVerdict::Ok, "/b", kO | kDot},
    {"OverlongDotsAtRoot", "/%c0%ae%c0%ae/", PathVerdict::EscapesRoot, "", 0},
    {"OverlongThreeBytes", "/a/%e0%80%ae%E0%80%AE/b", PathVerdict::Ok, "/b", kO | kDot},
    {"OverlongFourBytesAndDot", "/a/%f0%80%80%ae./b", PathVerdict::Ok, "/b", kO | kDot},
    {"OverlongSlash", "/a%c0%afb", PathVerdict::Ok, "/a/b", kO | kE},
    {"OverlongBackslash", "/a%c1%9cb", PathVerdict::Ok, "/a/b", kO | kE | kB},
    {"OverlongRawBytes", "/a/\xC0\xAE\xC0\xAE/b", PathVerdict::Ok, "/b", kO | kDot},
    {"OverlongRawAndEscaped", "/a/\xC0%ae./b", PathVerdict::Ok, "/b", kO | kDot},
    {"OverlongNul", "/a%c0%80", PathVerdict::NulByte, "", 0},
    {"OverlongNonAsciiKept", "/%e0%82%80", PathVerdict::Ok, "/\xE0\x82\x80", kN},
    {"TruncatedOverlongKept", "/%c0/x", PathVerdict::Ok, "/\xC0/x", kN},
    {"ValidUtf8Kept", "/%c3%a9", PathVerdict::Ok, "/\xC3\xA9", kN},
    {"Latin1Kept", "/%e9t%e9", PathVerdict::Ok, "/\xE9t\xE9", kN},

    // NUL and control bytes, raw or decoded.
    {"EncodedNul", "/a%00b", PathVerdict::NulByte, "", 0},
    {"RawNul", "/a\0b"sv, PathVerdict::NulByte, "", 0},
    {"UnicodeNul", "/a%u0000", PathVerdict::NulByte, "", 0},
    {"EncodedCrLf", "/a%0d%0aSet-Cookie:x", PathVerdict::ControlByte, "", 0},
    {"RawTab", "/a\tb", PathVerdict::ControlByte, "", 0},
    {"EncodedDel", "/a%7f", PathVerdict::ControlByte, "", 0},
    {"UnicodeEscapeChar", "/a%u001b", PathVerdict::ControlByte, "", 0},

    // Malformed escapes.
    {"NonHexEscape", "/a%zz", PathVerdict::BadEncoding, "", 0},
    {"ShortEscape", "/a%2", PathVerdict::BadEncoding, "", 0},
    {"LonePercent", "/a%", PathVerdict::BadEncoding, "", 0},
    {"ShortUnicodeEscape", "/a%u12", PathVerdict::BadEncoding, "", 0},
    {"NonHexUnicodeEscape", "/a%u12zz", PathVerdict::BadEncoding, "", 0},
    {"LoneSurrogate", "/a%ud800", PathVerdict::BadEncoding, "", 0},

    // Segments Win32 would trim: kept, flagged.
    {"ThreeDotsAreTheCurrentFolder", "/a/.../b", PathVerdict::Ok, "/a/b", kT | kDot},
    {"TrailingDotStripped", "/admin./x", PathVerdict::Ok, "/admin/x", kT},
    {"TrailingSpaceStripped", "/admin%20/x", PathVerdict::Ok, "/admin/x", kT},
    {"TrailingDotsAndSpacesAtTheEnd", "/secret.txt.%20.", PathVerdict::Ok, "/secret.txt", kT},
    {"DataStreamStripped", "/secret.txt::$DATA", PathVerdict::Ok, "/secret.txt",
     kAnomalyDataStream},
    {"DataStreamAnyCase", "/a.asp::$data", PathVerdict::Ok, "/a.asp", kAnomalyDataStream},
    {"InnerDotsKept", "/a.b.c/d", PathVerdict::Ok, "/a.b.c/d", 0},

    // Not origin-form.
    {"AbsoluteForm", "http://blocked.example/", PathVerdict::NotOriginForm, "", 0},
    {"Empty", "", PathVerdict::NotOriginForm, "", 0},
    {"Asterisk", "*", PathVerdict::NotOriginForm, "", 0},
    {"EncodedLeadingSlash", "%2fclient", PathVerdict::NotOriginForm, "", 0},
});

class NormalizePathTest : public testing::TestWithParam<PathCase> {};

TEST_P(NormalizePathTest, ReadsThePathAsIisDoes) {
  const PathCase& c = GetParam();
  NormalizedPath out;
  const PathVerdict verdict = normalizePath(c.raw, out);
  ASSERT_EQ(pathVerdictName(verdict), pathVerdictName(c.verdict));
  if (verdict != PathVerdict::Ok) {
    return;
  }
  EXPECT_EQ(out.path, c.path);
  EXPECT_EQ(pathAnomalyNames(out.anomalies), pathAnomalyNames(c.anomalies));
  EXPECT_LE(out.path.size(), c.raw.size()) << "the single reserve must cover the result";
}

INSTANTIATE_TEST_SUITE_P(Iis, NormalizePathTest, testing::ValuesIn(kPathCases),
                         [](const testing::TestParamInfo<PathCase>& info) {
                           return std::string(info.param.name);
                         });

// What is forwarded is what was checked: the web server, decoding the encoded path once, reads
// the same path and finds nothing left to normalise.
TEST(NormalizeTest, ForwardedPathDecodesToTheCheckedPath) {
  int forwarded = 0;
  for (const PathCase& c : kPathCases) {
    NormalizedPath first;
    if (normalizePath(c.raw, first) != PathVerdict::Ok) {
      continue;  // refused: nothing is forwarded
    }
    const std::string upstream = encodePathForUpstream(first.path);
    NormalizedPath second;
    ASSERT_EQ(normalizePath(upstream, second), PathVerdict::Ok) << c.name << ": " << upstream;
    EXPECT_EQ(second.path, first.path) << c.name << ": " << upstream;
    EXPECT_EQ(pathAnomalyNames(second.anomalies & ~(kD | kN | kT)), "") << c.name;
    ++forwarded;
  }
  EXPECT_GT(forwarded, 40);
}

TEST(NormalizeTest, ReusesTheOutputBuffer) {
  NormalizedPath out;
  out.path.reserve(256);
  const char* buffer = out.path.data();
  ASSERT_EQ(normalizePath("/client/demo/..%2fother/%u0041/./x", out), PathVerdict::Ok);
  EXPECT_EQ(out.path, "/client/other/A/x");
  ASSERT_EQ(normalizePath("/a%2e%2e/b", out), PathVerdict::Ok);
  EXPECT_EQ(out.path, "/a/b");  // Win32 strips the trailing dots of `a..`
  EXPECT_EQ(out.path.data(), buffer);
}

TEST(NormalizeTest, ResetsAnomaliesBetweenCalls) {
  NormalizedPath out;
  ASSERT_EQ(normalizePath("//a/%2e/b", out), PathVerdict::Ok);
  EXPECT_NE(out.anomalies, kAnomalyNone);
  ASSERT_EQ(normalizePath("/a/b", out), PathVerdict::Ok);
  EXPECT_EQ(out.anomalies, kAnomalyNone);
}

TEST(NormalizeTest, RejectedAnomaliesAreTheDecoderConfusions) {
  EXPECT_EQ(pathAnomalyNames(kRejectedAnomalies), "double_encoded,overlong_utf8");
}

TEST(NormalizeTest, EncodesEverythingOutsidePcharForUpstream) {
  EXPECT_EQ(encodePathForUpstream("/client/demo/main/login.asp"), "/client/demo/main/login.asp");
  EXPECT_EQ(encodePathForUpstream("/a b/100%/caf\xC3\xA9"), "/a%20b/100%25/caf%C3%A9");
  EXPECT_EQ(encodePathForUpstream("/q?x#y"), "/q%3Fx%23y");
  EXPECT_EQ(encodePathForUpstream("/-._~!$&'()*+,;=:@"), "/-._~!$&'()*+,;=:@");
  EXPECT_EQ(encodePathForUpstream("/\"<>\\^`{|}"), "/%22%3C%3E%5C%5E%60%7B%7C%7D");
  EXPECT_EQ(encodePathForUpstream("/%2e%2e"), "/%252e%252e");

  std::string line = "GET ";
  appendPathForUpstream("/a b", line);
  EXPECT_EQ(line, "GET /a%20b");
}

TEST(NormalizeTest, NamesVerdictsAndAnomalies) {
  EXPECT_EQ(pathVerdictName(PathVerdict::Ok), "ok");
  EXPECT_EQ(pathVerdictName(PathVerdict::BadEncoding), "bad_encoding");
  EXPECT_EQ(pathVerdictName(PathVerdict::NulByte), "nul_byte");
  EXPECT_EQ(pathVerdictName(PathVerdict::ControlByte), "control_byte");
  EXPECT_EQ(pathVerdictName(PathVerdict::EscapesRoot), "escapes_root");
  EXPECT_EQ(pathVerdictName(PathVerdict::NotOriginForm), "not_origin_form");
  EXPECT_EQ(pathAnomalyNames(kAnomalyNone), "");
  EXPECT_EQ(pathAnomalyNames(kE | kDot | kT),
            "encoded_slash,dot_segment,trailing_dot_or_space");
}

struct HostCase {
  std::string raw;
  std::string expected;  // empty: refused
};

TEST(NormalizeTest, NormalizesHosts) {
  const std::string label63(63, 'a');
  const std::string label64(64, 'a');
  const std::vector<HostCase> cases = {
      {"demo.example.com", "demo.example.com"},
      {"Demo.Example.COM", "demo.example.com"},
      {"BLOCKED.Example.", "blocked.example"},
      {"demo.example.com:8443", "demo.example.com"},
      {"demo.example.com.:443", "demo.example.com"},
      {" blocked.example \t", "blocked.example"},
      {"127.0.0.1:80", "127.0.0.1"},
      {"under_score.example", "under_score.example"},
      {"xn--bcher-kva.example", "xn--bcher-kva.example"},
      {"[::1]", "[::1]"},
      {"[2001:DB8::1]:8443", "[2001:db8::1]"},
      {label63 + ".example", label63 + ".example"},
      // Refused: empty labels, bad characters, bad ports, bad IPv6 literals.
      {"", ""},
      {".", ""},
      {"demo.example.com..", ""},
      {".demo.example.com", ""},
      {"demo..example.com", ""},
      {"app.example.com, blocked.example", ""},
      {"blocked%2eexample", ""},
      {"bad host.example", ""},
      {"b\xC3\xBC" "cher.example", ""},
      {"user@demo.example.com", ""},
      {label64 + ".example", ""},
      {"demo.example.com:", ""},
      {"demo.example.com:0", ""},
      {"demo.example.com:65536", ""},
      {"demo.example.com:008443", ""},
      {"demo.example.com:84a3", ""},
      {"demo.example.com:80:80", ""},
      {":80", ""},
      {"::1", ""},
      {"[::1", ""},
      {"[zz::1]", ""},
      {"[]", ""},
      {"[::1]x", ""},
      {"[::1]:", ""},
      {"[fe80::1%25eth0]", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(normalizeHost(c.raw), c.expected) << "host '" << c.raw << "'";
  }
}

// --- The public edge cases (shared/data/edge-cases/requests.tsv), rows of kind
// path_normalisation, checked against the policy their README assumes: deny prefix /admin
// (without regard to case), domain list .blocked.example and .xn--bcher-kva.example.

struct EdgeRow {
  std::string id;
  std::string kind;
  std::string request;  // raw bytes
  std::string expected;
  std::string note;
};

std::string sharedDataDir() {
  if (const char* dir = std::getenv("BULWARK_SHARED_DATA"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return BULWARK_SOURCE_DIR "/../shared/data";
}

// `{{N*TEXT}}` repeats TEXT N times; then `\r`, `\n`, `\t`, `\\` and `\xHH` are unescaped.
std::string decodeEscaped(std::string_view text) {
  std::string expanded;
  size_t pos = 0;
  for (size_t open; (open = text.find("{{", pos)) != std::string_view::npos;) {
    const size_t close = text.find("}}", open);
    const size_t star = text.find('*', open);
    expanded.append(text.substr(pos, open - pos));
    const int count = std::stoi(std::string(text.substr(open + 2, star - open - 2)));
    for (int i = 0; i < count; ++i) {
      expanded.append(text.substr(star + 1, close - star - 1));
    }
    pos = close + 2;
  }
  expanded.append(text.substr(pos));

  std::string out;
  for (size_t i = 0; i < expanded.size(); ++i) {
    if (expanded[i] != '\\' || i + 1 >= expanded.size()) {
      out.push_back(expanded[i]);
      continue;
    }
    const char kind = expanded[++i];
    if (kind == 'x') {
      out.push_back(static_cast<char>(std::stoi(expanded.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(kind == 'r' ? '\r' : kind == 'n' ? '\n' : kind == 't' ? '\t' : kind);
    }
  }
  return out;
}

std::vector<EdgeRow> loadEdgeRows(const std::string& file) {
  std::vector<EdgeRow> rows;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
    if (fields.size() == 5) {
      rows.push_back({fields[0], fields[1], decodeEscaped(fields[2]), fields[3], fields[4]});
    }
  }
  return rows;
}

struct ParsedRequest {
  std::string target;
  std::vector<std::string> hosts;  // every Host field value
};

ParsedRequest parseRequestHead(std::string_view request) {
  ParsedRequest parsed;
  const size_t line_end = request.find("\r\n");
  const std::string_view line = request.substr(0, line_end);
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  parsed.target = std::string(line.substr(first + 1, last - first - 1));
  for (size_t pos = line_end + 2; pos < request.size();) {
    const size_t end = request.find("\r\n", pos);
    const std::string_view field = request.substr(pos, end - pos);
    if (field.empty() || end == std::string_view::npos) {
      break;
    }
    const size_t colon = field.find(':');
    if (colon == 4 && (field.substr(0, 4) == "Host" || field.substr(0, 4) == "host")) {
      parsed.hosts.emplace_back(field.substr(colon + 1));
    }
    pos = end + 2;
  }
  return parsed;
}

bool underAdmin(std::string_view path) {
  if (path.size() < 6) {
    return false;
  }
  std::string head(path.substr(0, 6));
  for (char& c : head) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return head == "/admin" && (path.size() == 6 || path[6] == '/');
}

bool domainBlocked(std::string_view host) {
  for (std::string_view listed : {"blocked.example"sv, "xn--bcher-kva.example"sv}) {
    if (host == listed || (host.size() > listed.size() && host.ends_with(listed) &&
                           host[host.size() - listed.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

// The gateway's decision on the path and host as normalisation leaves them.
std::string gatewayOutcome(const ParsedRequest& request) {
  NormalizedPath path;
  if (normalizePath(request.target, path) != PathVerdict::Ok ||
      (path.anomalies & kRejectedAnomalies) != 0) {
    return "reject_400";
  }
  const std::string host = normalizeHost(request.hosts.front());
  if (host.empty()) {
    return "reject_400";
  }
  if (domainBlocked(host) || underAdmin(path.path)) {
    return "reject_403";
  }
  return "forward";
}

// The expected outcome, and any other status the row's note allows ("403 ... also acceptable").
std::set<std::string> acceptedOutcomes(const EdgeRow& row) {
  std::set<std::string> accepted = {row.expected};
  static const std::regex kAlso("(400|403)[a-z ]* also acceptable");
  for (std::sregex_iterator it(row.note.begin(), row.note.end(), kAlso), end; it != end; ++it) {
    accepted.insert("reject_" + (*it)[1].str());
  }
  return accepted;
}

TEST(NormalizeTest, MeetsThePublicPathNormalisationEdgeCases) {
  const std::string file = sharedDataDir() + "/edge-cases/requests.tsv";
  if (!std::ifstream(file).good()) {
    GTEST_SKIP() << "edge cases not found at " << file
                 << ": set BULWARK_SHARED_DATA to the shared/data folder";
  }

  // Rows about how many Host fields a request has: the request-sanity stage decides those
  // before anything is normalised.
  const std::set<std::string> host_count_rows = {"C19", "C19b"};
  int checked = 0;
  for (const EdgeRow& row : loadEdgeRows(file)) {
    if (row.kind != "path_normalisation") {
      continue;
    }
    SCOPED_TRACE(row.id + ": " + row.note);
    const ParsedRequest request = parseRequestHead(row.request);
    if (request.hosts.size() != 1) {
      EXPECT_TRUE(host_count_rows.contains(row.id)) << "new Host-count row: decide who owns it";
      continue;
    }
    const std::set<std::string> accepted = acceptedOutcomes(row);
    EXPECT_TRUE(accepted.contains(gatewayOutcome(request)))
        << "target '" << request.target << "' host '" << request.hosts.front() << "' gave "
        << gatewayOutcome(request) << ", expected " << row.expected;
    ++checked;
  }
  EXPECT_GE(checked, 14) << "fewer path_normalisation rows than the data set had";
}

}  // namespace
}  // namespace bulwark::rules
