// 100 MiB bodies in both directions: they arrive intact and the gateway's memory stays bounded,
// which it could not if it held a whole body.

#include <filesystem>

#include <fmt/format.h>

#include <cstdlib>
#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"
#include "tests/integration/nginx_fixture.h"
#include "tests/integration/pki.h"
#include "tests/integration/test_upstream.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

// The config under test (a fmt format string: `{{` is a literal brace).
constexpr char kConfig[] = R"(listeners:
  - name: https
    address: 127.0.0.1:{}
    tls:
      certificates:
        - cert: {}
          key: {}
    routes:
      - path_prefix: /
        cluster: web
clusters:
  - name: web
    endpoints:
      - address: {}
limits:
  max_request_body_bytes: 200MiB
)";

constexpr uint64_t kBigBody = 100ULL << 20;

// What the gateway's peak RSS may grow by while a 100 MiB body passes: far more than its
// per-connection buffers need, far less than the body.
constexpr uint64_t kMaxGrowthKiB = 64 * 1024;

// CPU the gateway may spend relaying 100 MiB over TLS, either way: AES-GCM and copies in 16-64 KiB
// pieces take a few hundred milliseconds; several times that means it works in tiny pieces.
#if defined(__SANITIZE_ADDRESS__)
constexpr Millis kMaxRelayCpu = 8s;
#else
constexpr Millis kMaxRelayCpu = 2s;
#endif

class StreamingTest : public ::testing::Test {
protected:
  void startGateway(const std::string& upstream) {
    const CertFiles cert = pki_.selfSigned({"edge.test"});
    const std::string yaml = fmt::format(kConfig, port_, cert.cert, cert.key, upstream);
    std::string error;
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer keeps freed memory in a quarantine of 256 MiB by default, which would
    // show up as growth here; a small quarantine leaves only what the gateway really holds.
    const char* asan = std::getenv("ASAN_OPTIONS");
    gateway_.setEnvironment(
        {std::string("ASAN_OPTIONS=") + (asan != nullptr ? asan : "") + ":quarantine_size_mb=1"});
#endif
    ASSERT_TRUE(gateway_.start(yaml, error)) << error;
    baseline_kib_ = peakRssKiB(gateway_.process().pid());
    ASSERT_GT(baseline_kib_, 0U);
  }

  std::string url(const std::string& path) const {
    return fmt::format("https://127.0.0.1:{}{}", port_, path);
  }

  void expectBoundedMemory() {
    const uint64_t peak = peakRssKiB(gateway_.process().pid());
    RecordProperty("peak_rss_growth_kib", std::to_string(peak - baseline_kib_));
    EXPECT_LT(peak, baseline_kib_ + kMaxGrowthKiB)
        << "gateway peak RSS grew from " << baseline_kib_ << " KiB to " << peak << " KiB";
  }

  TempDir dir_;
  Pki pki_{dir_};
  Gateway gateway_{dir_};
  uint16_t port_ = freePort();
  uint64_t baseline_kib_ = 0;
};

TEST_F(StreamingTest, StreamsLargeUploadWithBoundedMemory) {
  TestUpstream upstream("web");
  ASSERT_NO_FATAL_FAILURE(startGateway(upstream.address()));
  const std::string file = dir_.file("upload.bin");
  const std::string sha = writeRandomFile(file, kBigBody);

  // -T streams the file from disk with a Content-Length (and Expect: 100-continue).
  const Millis before = cpuTime(gateway_.process().pid());
  const auto result =
      curl({"-k", "-X", "POST", "-T", file, url("/upload")}, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto echo = parseEcho(result.out);
  EXPECT_EQ(echo["body_bytes"], std::to_string(kBigBody));
  EXPECT_EQ(echo["body_sha256"], sha);
  expectBoundedMemory();
  const Millis used = cpuTime(gateway_.process().pid()) - before;
  RecordProperty("gateway_cpu_ms", std::to_string(used.count()));
  EXPECT_LT(used, kMaxRelayCpu) << "CPU the gateway spent relaying 100 MiB over TLS";

  const auto log = gateway_.waitForAccessLog(1);
  ASSERT_EQ(log.size(), 1U);
  EXPECT_GE(log[0].number("bytes_in"), static_cast<int64_t>(kBigBody));
}

TEST_F(StreamingTest, StreamsLargeDownloadWithBoundedMemory) {
  BULWARK_SKIP_WITHOUT_NGINX();
  Nginx nginx(dir_);
  const std::string sha = writeRandomFile(nginx.docroot() + "/big.bin", kBigBody);
  std::string error;
  ASSERT_TRUE(nginx.start(error)) << error;
  ASSERT_NO_FATAL_FAILURE(startGateway(fmt::format("127.0.0.1:{}", nginx.port())));

  const std::string out = dir_.file("download.bin");
  const auto result = curl({"-k", "-o", out, url("/big.bin")}, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(std::filesystem::file_size(out), kBigBody);
  EXPECT_EQ(sha256File(out), sha);
  expectBoundedMemory();

  const auto log = gateway_.waitForAccessLog(1);
  ASSERT_EQ(log.size(), 1U);
  EXPECT_GE(log[0].number("bytes_out"), static_cast<int64_t>(kBigBody));
}

TEST_F(StreamingTest, RelaysLargeDownloadWithoutBurningCpu) {
  BULWARK_SKIP_WITHOUT_NGINX();
  Nginx nginx(dir_);
  writeRandomFile(nginx.docroot() + "/big.bin", kBigBody);
  std::string error;
  ASSERT_TRUE(nginx.start(error)) << error;
  ASSERT_NO_FATAL_FAILURE(startGateway(fmt::format("127.0.0.1:{}", nginx.port())));

  const Millis before = cpuTime(gateway_.process().pid());
  const auto result = curl({"-k", "-o", "/dev/null", url("/big.bin")}, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const Millis used = cpuTime(gateway_.process().pid()) - before;
  RecordProperty("gateway_cpu_ms", std::to_string(used.count()));
  EXPECT_LT(used, kMaxRelayCpu) << "CPU the gateway spent relaying 100 MiB over TLS";
}

} // namespace
} // namespace bulwark::testing
