// The command line: `bulwark config check`, `bulwark run -c` with a broken config, relative
// paths, `bulwark version`.

#include <regex>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/gateway_fixture.h"
#include "tests/integration/harness.h"
#include "tests/integration/pki.h"

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kMissingCertConfig[] = R"(admin:
  address: 127.0.0.1:{}
listeners:
  - name: https
    address: 127.0.0.1:{}
    tls:
      certificates:
        - cert: tls/absent-edge.crt
          key: tls/absent-edge.key
    routes: [{{path_prefix: /, cluster: web}}]
clusters:
  - name: web
    endpoints: [{{address: "127.0.0.1:9001"}}]
)";

constexpr char kRelativePathsConfig[] = R"(listeners:
  - name: https
    address: 127.0.0.1:{}
    tls:
      certificates: [{{cert: pki-ca/leaf1.crt, key: pki-ca/leaf1.key}}]
    routes: [{{path_prefix: /, cluster: web}}]
clusters:
  - name: web
    endpoints: [{{address: "127.0.0.1:{}"}}]
)";

class ConfigCliTest : public ::testing::Test {
protected:
  CommandResult bulwark(std::vector<std::string> args) const {
    args.insert(args.begin(), bulwarkBinary());
    return runCommand(args, 20s);
  }

  // The `line:column` of every `file:line:column: message` line naming `file` in `output`.
  static std::vector<std::string> errorPositions(const std::string& output,
                                                 const std::string& file) {
    std::vector<std::string> positions;
    const std::regex pattern("^:([0-9]+:[0-9]+): .+$");
    for (const auto& line : splitLines(output)) {
      std::smatch match;
      const std::string rest = line.substr(std::min(line.size(), file.size()));
      if (line.rfind(file, 0) == 0 && std::regex_match(rest, match, pattern)) {
        positions.push_back(match[1]);
      }
    }
    return positions;
  }

  TempDir dir_;
};

TEST_F(ConfigCliTest, ReportsEveryErrorWithFileLineColumn) {
  const std::string path = dir_.write("broken.yaml", R"(workers: 2
admin:
  address: 127.0.0.1:9901
listeners:
  - name: edge
    address: 127.0.0.1:8080
    routes:
      - path_prefix: /
        cluster: nowhere
clusters:
  - name: web
    endpoints:
      - address: 127.0.0.1:9001
    connect_timeout: fast
limits:
  max_request_header_bytes: 32KiB
  reqest_header_timeout: 10s
)");
  const auto result = bulwark({"config", "check", path});
  EXPECT_EQ(result.exit_code, 1);
  // Where each bad value or key starts: the unknown cluster, the bad duration, the misspelt key.
  EXPECT_EQ(errorPositions(result.out + result.err, path),
            (std::vector<std::string>{"9:18", "14:22", "17:3"}))
      << result.out << result.err;
}

TEST_F(ConfigCliTest, AcceptsValidConfig) {
  const std::string path = dir_.write("ok.yaml", R"(listeners:
  - name: edge
    address: 127.0.0.1:8080
    routes: [{path_prefix: /, cluster: web}]
clusters:
  - name: web
    endpoints: [{address: "127.0.0.1:9001"}]
)");
  const auto result = bulwark({"config", "check", path});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
}

TEST_F(ConfigCliTest, RunRefusesMissingCertificateWithoutListening) {
  const uint16_t port = freePort();
  const uint16_t admin = freePort();
  const std::string path =
      dir_.write("missing-cert.yaml", fmt::format(kMissingCertConfig, admin, port));
  Process run({bulwarkBinary(), "run", "-c", path}, dir_.path(), "run");
  const auto code = run.waitExit(10s);
  ASSERT_TRUE(code.has_value()) << "bulwark run kept running with a missing certificate";
  EXPECT_NE(*code, 0);
  const std::string output = run.readStdout() + run.readStderr();
  EXPECT_NE(output.find("absent-edge.crt"), std::string::npos) << output;
  EXPECT_EQ(output.find("listener up"), std::string::npos) << output;
  EXPECT_FALSE(portAccepts(port));
  EXPECT_FALSE(portAccepts(admin));
}

TEST_F(ConfigCliTest, RunResolvesRelativePathsAgainstConfigDirectory) {
  Pki pki(dir_);
  pki.issue({"edge.test"}); // pki-ca/leaf1.crt and .key, relative to the config's directory
  const uint16_t port = freePort();
  Gateway gateway(dir_);
  std::string error;
  ASSERT_TRUE(gateway.start(fmt::format(kRelativePathsConfig, port, freePort()), error)) << error;
  const auto result =
      curl({"--cacert", pki.caCert(), "--resolve", fmt::format("edge.test:{}:127.0.0.1", port),
            "-o", "/dev/null", "-w", "%{http_code}", fmt::format("https://edge.test:{}/", port)});
  EXPECT_EQ(result.out, "503") << result.err; // verified TLS; the upstream is down on purpose
}

TEST_F(ConfigCliTest, RunRefusesAListenerAddressAnotherGatewayHolds) {
  // The second gateway differs only in its admin port: SO_REUSEPORT must not let it share the
  // first one's listener and take half of its traffic.
  Pki pki(dir_);
  pki.issue({"edge.test"});
  const uint16_t port = freePort();
  const std::string listeners = fmt::format(kRelativePathsConfig, port, freePort());
  Gateway first(dir_);
  std::string error;
  ASSERT_TRUE(first.start(listeners, error)) << error;

  const uint16_t admin = freePort();
  const std::string path = dir_.write(
      "second.yaml", fmt::format("admin: {{address: 127.0.0.1:{}}}\n{}", admin, listeners));
  Process second({bulwarkBinary(), "run", "-c", path}, dir_.path(), "second");
  const auto code = second.waitExit(10s);
  ASSERT_TRUE(code.has_value()) << "a second gateway started on a port already in use";
  EXPECT_NE(*code, 0);
  const std::string output = second.readStdout() + second.readStderr();
  EXPECT_NE(output.find(fmt::format("cannot listen on 127.0.0.1:{}", port)), std::string::npos)
      << output;
  EXPECT_FALSE(portAccepts(admin));
}

TEST_F(ConfigCliTest, PrintsVersion) {
  const auto result = bulwark({"version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(std::regex_match(result.out, std::regex("bulwark [0-9]+\\.[0-9]+\\.[0-9]+.*\n")))
      << result.out;
}

} // namespace
} // namespace bulwark::testing
