// `bulwark run` with no config: the embedded default serves its demo page over HTTPS on 8443
// and redirects 8080 to it. It binds fixed ports, so it runs only when they are free.

#include <csignal>

#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

class DefaultConfigTest : public ::testing::Test {
protected:
  TempDir dir_;
};

TEST_F(DefaultConfigTest, ServesDemoPageWithoutConfig) {
  for (uint16_t port : {8443, 8080, 9901, 9180}) {
    if (!portIsFree(port)) {
      GTEST_SKIP() << "port " << port << " is in use: the embedded default needs 8443, 8080, "
                   << "9901 and 9180";
    }
  }
  Process run({bulwarkBinary(), "run"}, dir_.path(), "default");
  ASSERT_TRUE(waitForHttp(9901, "/ready", 200, 20s)) << run.readStdout() << run.readStderr();

  const auto page = curl({"-k", "https://127.0.0.1:8443/"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_NE(page.out.find("Served through Bulwark"), std::string::npos) << page.out;

  const auto redirect = curl({"-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                              "http://127.0.0.1:8080/some/page?q=1"});
  EXPECT_EQ(redirect.out, "308 https://127.0.0.1:8443/some/page?q=1") << redirect.err;

  run.signal(SIGTERM);
  EXPECT_EQ(run.waitExit(10s), 0);
}

} // namespace
} // namespace bulwark::testing
