#include "proxy/access_log.h"

#include "common/line_sink.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace bulwark::proxy {
namespace {

AccessRecord sampleRecord() {
  AccessRecord r;
  r.start = std::chrono::system_clock::time_point(std::chrono::microseconds(1'767'225'600'123'456));
  r.connection_id = 42;
  r.request_id = 3;
  r.client_address = "198.51.100.7";
  r.client_port = 50123;
  r.listener = "https";
  r.tenant = "demo";
  r.method = "GET";
  r.path = "/client/demo/main/login.asp?next=%2F";
  r.status = 200;
  r.bytes_in = 412;
  r.bytes_out = 9000;
  r.duration = std::chrono::microseconds(1500);
  r.cluster = "demo-web";
  r.upstream = "127.0.0.1:9443";
  r.upstream_time = std::chrono::microseconds(1200);
  r.tls_version = "TLSv1.3";
  r.tls_cipher = "TLS_AES_128_GCM_SHA256";
  r.sni = "demo.example.com";
  return r;
}

TEST(AccessLogTest, WritesOneJsonObjectWithEveryField) {
  std::string line;
  formatAccessRecord(sampleRecord(), line);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);

  const auto value = boost::json::parse(line);
  const auto& o = value.as_object();
  EXPECT_EQ(o.at("time").as_string(), "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(o.at("connection_id").as_int64(), 42);
  EXPECT_EQ(o.at("request_id").as_int64(), 3);
  EXPECT_EQ(o.at("client_address").as_string(), "198.51.100.7");
  EXPECT_EQ(o.at("client_port").as_int64(), 50123);
  EXPECT_EQ(o.at("listener").as_string(), "https");
  EXPECT_EQ(o.at("tenant").as_string(), "demo");
  EXPECT_EQ(o.at("method").as_string(), "GET");
  EXPECT_EQ(o.at("path").as_string(), "/client/demo/main/login.asp?next=%2F");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("bytes_in").as_int64(), 412);
  EXPECT_EQ(o.at("bytes_out").as_int64(), 9000);
  EXPECT_DOUBLE_EQ(o.at("duration_ms").as_double(), 1.5);
  EXPECT_EQ(o.at("cluster").as_string(), "demo-web");
  EXPECT_EQ(o.at("upstream").as_string(), "127.0.0.1:9443");
  EXPECT_DOUBLE_EQ(o.at("upstream_time_ms").as_double(), 1.2);
  EXPECT_EQ(o.at("tls_version").as_string(), "TLSv1.3");
  EXPECT_EQ(o.at("tls_cipher").as_string(), "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(o.at("sni").as_string(), "demo.example.com");
  EXPECT_FALSE(o.contains("error"));
}

TEST(AccessLogTest, StaysValidJsonWhateverBytesAPathHolds) {
  AccessRecord r = sampleRecord();
  const std::string hostile = std::string("/a\"b\\c\nd\x01\xff\xc3", 11);
  r.path = hostile;
  r.error = "malformed request";
  std::string line;
  formatAccessRecord(r, line);
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto value = boost::json::parse(line);
  EXPECT_EQ(value.as_object().at("error").as_string(), "malformed request");
  // Bytes above 0x7F come back as the code points of the same value (Latin-1), so the line is
  // valid JSON and nothing a client sent is lost.
  EXPECT_EQ(value.as_object().at("path").as_string(), "/a\"b\\c\nd\x01\xc3\xbf\xc3\x83");
}

TEST(AccessLogTest, SinkAppendsToAFile) {
  const std::string path = ::testing::TempDir() + "/bulwark_access_log_test.json";
  std::remove(path.c_str());
  std::string error;
  auto sink = LineSink::open(path, "access_log", error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_TRUE(sink->enabled());
  sink->write("{\"a\":1}\n");
  sink->write("{\"a\":2}\n");
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  EXPECT_EQ(all.str(), "{\"a\":1}\n{\"a\":2}\n");
  std::remove(path.c_str());
}

TEST(AccessLogTest, SinkRefusesAnUnwritablePathWithItsName) {
  std::string error;
  auto sink = LineSink::open("/nonexistent-dir/access.json", "access_log", error);
  EXPECT_EQ(sink, nullptr);
  EXPECT_NE(error.find("/nonexistent-dir/access.json"), std::string::npos);
}

TEST(AccessLogTest, OffMeansDisabled) {
  std::string error;
  auto sink = LineSink::open("off", "access_log", error);
  ASSERT_NE(sink, nullptr);
  EXPECT_FALSE(sink->enabled());
}

}  // namespace
}  // namespace bulwark::proxy
