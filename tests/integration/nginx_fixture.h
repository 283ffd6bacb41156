#pragma once

// A real nginx as the upstream web server: its own config, logs, pid and temp paths inside the
// test's directory, one process (no daemon, no master), on a free loopback port.

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/integration/pki.h"

namespace bulwark::testing {

inline constexpr const char* kNginxBinary = "/usr/sbin/nginx";

// Ends the current test as skipped when nginx is not installed.
#define BULWARK_SKIP_WITHOUT_NGINX()                                                               \
  do {                                                                                             \
    if (!::bulwark::testing::Nginx::available()) {                                                 \
      GTEST_SKIP() << "nginx not installed at " << ::bulwark::testing::kNginxBinary                \
                   << ": this test needs a real upstream web server (apt-get install nginx)";      \
    }                                                                                              \
  } while (false)

struct NginxOptions {
  std::string name = "nginx";      // GET /whoami answers this name
  std::optional<CertFiles> tls;    // serve HTTPS with this certificate
  std::string limit_rate;          // e.g. "1m": files under /slow/ are sent at this rate
  std::string extra_server_config; // more directives inside `server {}`
};

class Nginx {
public:
  static bool available();

  // Prepares `dir`/nginx-<name>/ with an empty docroot; call start() after filling it.
  Nginx(const TempDir& dir, NginxOptions options = {});
  ~Nginx();

  // Writes a file under the docroot (`relative` like "files/a.bin") and returns its path.
  std::string writeFile(const std::string& relative, std::string_view content) const;
  std::string docroot() const { return root_ + "/docroot"; }

  // Starts nginx and waits until it accepts connections; false with `error` (including nginx's
  // error log) when it did not come up within 10 s.
  bool start(std::string& error);

  uint16_t port() const { return port_; }

  // Lines of nginx's access log: `<method> <uri> <status> <bytes sent> <request length>`.
  std::vector<std::string> accessLogLines() const;

private:
  std::string configText() const;

  NginxOptions options_;
  std::string root_;
  uint16_t port_;
  std::unique_ptr<Process> process_;
};

} // namespace bulwark::testing
