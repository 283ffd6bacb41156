#include "proxy/headers.h"

#include <gtest/gtest.h>

namespace bulwark::proxy {
namespace {

namespace http = boost::beast::http;

class HeadersTest : public ::testing::Test {
protected:
  http::fields copyRequest(const http::fields& in) {
    http::fields out;
    copyRequestHeaders(in, out, {"198.51.100.7", "https", 8443});
    return out;
  }
};

TEST_F(HeadersTest, DropsHopByHopRequestHeaders) {
  http::fields in;
  in.set("Host", "demo.example.com");
  in.set("Connection", "keep-alive, X-Secret-Hop");
  in.set("Keep-Alive", "timeout=5");
  in.set("Proxy-Connection", "keep-alive");
  in.set("TE", "trailers");
  in.set("Trailer", "X-Checksum");
  in.set("Transfer-Encoding", "chunked");
  in.set("Upgrade", "websocket");
  in.set("Proxy-Authorization", "Basic Zm9vOmJhcg==");
  in.set("Expect", "100-continue");
  in.set("X-Secret-Hop", "1");
  in.set("Accept", "text/html");

  const http::fields out = copyRequest(in);
  for (const char* name : {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                           "Transfer-Encoding", "Upgrade", "Proxy-Authorization", "Expect",
                           "X-Secret-Hop"}) {
    EXPECT_EQ(out.count(name), 0U) << name;
  }
  EXPECT_EQ(out["Host"], "demo.example.com");
  EXPECT_EQ(out["Accept"], "text/html");
}

TEST_F(HeadersTest, AppendsClientToForwardedFor) {
  http::fields in;
  in.insert("X-Forwarded-For", "203.0.113.9");
  in.insert("X-Forwarded-For", "192.0.2.1 ");
  const http::fields out = copyRequest(in);
  EXPECT_EQ(out.count("X-Forwarded-For"), 1U);
  EXPECT_EQ(out["X-Forwarded-For"], "203.0.113.9, 192.0.2.1, 198.51.100.7");
}

TEST_F(HeadersTest, SetsForwardedForWhenClientSentNone) {
  const http::fields out = copyRequest(http::fields{});
  EXPECT_EQ(out["X-Forwarded-For"], "198.51.100.7");
}

TEST_F(HeadersTest, ReplacesClientClaimsAboutProtoAndPort) {
  http::fields in;
  in.set("X-Forwarded-Proto", "https-from-client");
  in.set("x-forwarded-port", "1");
  const http::fields out = copyRequest(in);
  EXPECT_EQ(out.count("X-Forwarded-Proto"), 1U);
  EXPECT_EQ(out["X-Forwarded-Proto"], "https");
  EXPECT_EQ(out.count("X-Forwarded-Port"), 1U);
  EXPECT_EQ(out["X-Forwarded-Port"], "8443");
}

TEST_F(HeadersTest, KeepsRepeatedEndToEndHeaders) {
  http::fields in;
  in.insert("Cookie", "a=1");
  in.insert("Cookie", "b=2");
  const http::fields out = copyRequest(in);
  EXPECT_EQ(out.count("Cookie"), 2U);
}

TEST_F(HeadersTest, DropsHopByHopResponseHeaders) {
  http::fields in;
  in.set("Content-Type", "text/html");
  in.set("Content-Length", "12");
  in.set("Connection", "close, X-Internal");
  in.set("X-Internal", "yes");
  in.set("Transfer-Encoding", "chunked");
  in.set("Proxy-Authenticate", "Basic");
  in.insert("Set-Cookie", "a=1");
  in.insert("Set-Cookie", "b=2");
  http::fields out;
  copyResponseHeaders(in, out);
  EXPECT_EQ(out["Content-Type"], "text/html");
  EXPECT_EQ(out["Content-Length"], "12");
  EXPECT_EQ(out.count("Set-Cookie"), 2U);
  for (const char* name : {"Connection", "X-Internal", "Transfer-Encoding", "Proxy-Authenticate"}) {
    EXPECT_EQ(out.count(name), 0U) << name;
  }
}

TEST(ConnectionTokensTest, FindsTokensCaseInsensitivelyWithSpaces) {
  EXPECT_TRUE(connectionListsToken("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(connectionListsToken(" close ", "close"));
  EXPECT_FALSE(connectionListsToken("keep-alive", "close"));
  EXPECT_FALSE(connectionListsToken("closed", "close"));
  EXPECT_FALSE(connectionListsToken("", "close"));
}

}  // namespace
}  // namespace bulwark::proxy
