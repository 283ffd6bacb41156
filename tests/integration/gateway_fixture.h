#pragma once

// The real bulwark binary under test: a YAML config written into the test's directory,
// `bulwark run -c` started as a child process, readiness taken from GET /ready on the admin
// listener, stats read from /stats?format=json and requests from the JSON access log.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace bulwark::testing {

// The path of the built gateway (a compile definition of the test target).
std::string bulwarkBinary();

// One line of the JSON access log; numbers are kept as their decimal text.
struct AccessLine {
  std::map<std::string, std::string> fields;

  std::string get(const std::string& name) const;
  int64_t number(const std::string& name) const; // -1 when absent or not a number
};

// The first line of `lines` whose `field` is `value`, or an empty line (every get() empty) when
// none is. Lines of different workers come in any order: find them, do not index them.
AccessLine findLine(const std::vector<AccessLine>& lines, const std::string& field,
                    const std::string& value);

class Gateway {
public:
  explicit Gateway(const TempDir& dir);
  ~Gateway();

  // Writes the config (`workers: 2`, the admin listener on a free port, the access log and the
  // log level, then `yaml` with the listeners, clusters and the rest), starts the gateway and
  // waits until /ready answers 200. False with `error` (including the gateway's output) when it
  // did not become ready within `timeout` or exited.
  bool start(const std::string& yaml, std::string& error,
             Millis timeout = std::chrono::seconds(20));

  // Extra environment ("NAME=value") for the gateway process; call before start().
  void setEnvironment(std::vector<std::string> env) { env_ = std::move(env); }

  uint16_t adminPort() const { return admin_port_; }
  Process& process() { return *process_; }
  const std::string& configPath() const { return config_path_; }

  // The value of the dotted stat `name` ("listener.https.downstream_rq_total"); -1 when the
  // gateway does not export it or the admin listener did not answer.
  int64_t stat(const std::string& name) const;
  std::map<std::string, int64_t> stats() const;

  // Polls until stat `name` is at least `value` (the counters of a request are bumped as the
  // response leaves, a moment after a client may see it).
  bool waitForStat(const std::string& name, int64_t value,
                   Millis timeout = std::chrono::seconds(3)) const;

  // The access log as written so far (it is flushed every 100 ms).
  std::vector<AccessLine> accessLog() const;

  // Polls until the access log holds at least `count` lines; returns them.
  std::vector<AccessLine> waitForAccessLog(size_t count,
                                           Millis timeout = std::chrono::seconds(3)) const;

  // The alert log (EVE JSON lines) as written so far; the config always sets logging.alert_log.
  std::vector<std::string> alertLines() const;
  // Polls until the alert log holds at least `count` lines; returns them.
  std::vector<std::string> waitForAlerts(size_t count,
                                         Millis timeout = std::chrono::seconds(3)) const;

  // The gateway's stdout and stderr so far, for failure messages.
  std::string output() const;

  std::string log_level = "info";

private:
  const TempDir& dir_;
  uint16_t admin_port_;
  std::string config_path_;
  std::string access_log_path_;
  std::string alert_log_path_;
  std::vector<std::string> env_;
  std::unique_ptr<Process> process_;
};

} // namespace bulwark::testing
