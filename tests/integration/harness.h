#pragma once

// The building blocks of the end-to-end tests: temporary directories, free ports, child
// processes, a raw HTTP client for the admin listener and for requests no real client would
// send, and checksums. Everything here talks to real sockets and real processes; nothing links
// the gateway's own code.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace bulwark::testing {

using Millis = std::chrono::milliseconds;

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it at destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The absolute path of `name` inside the directory (not created).
  std::string file(std::string_view name) const;

  // Writes `content` to `name` (parent directories created) and returns its absolute path.
  std::string write(std::string_view name, std::string_view content) const;

private:
  std::filesystem::path path_;
};

// A loopback TCP port that was free a moment ago: bound to port 0, read, closed. Another process
// may take it before the caller binds it; the tests accept that small race.
uint16_t freePort();

// True when 127.0.0.1:`port` can be bound right now (nobody listens on it).
bool portIsFree(uint16_t port);

// True when something accepts TCP connections on 127.0.0.1:`port`.
bool portAccepts(uint16_t port);

// A child process started with posix_spawn, its stdout and stderr redirected to files. Killed
// (SIGKILL) and reaped at destruction if still running.
class Process {
public:
  // Starts `argv` (argv[0] a path or a name looked up in PATH) with the current environment plus
  // `env` ("NAME=value"), stdin from `stdin_path`, output into `output_dir`/<tag>.stdout and
  // .stderr. Throws std::runtime_error when the program cannot be started.
  Process(const std::vector<std::string>& argv, const std::filesystem::path& output_dir,
          std::string_view tag, const std::vector<std::string>& env = {},
          const std::string& stdin_path = "/dev/null");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Sends `sig` unless the process was already reaped.
  void signal(int sig);

  // Waits at most `timeout` for the process to end. Returns its exit code, or 128 + the signal
  // that ended it; nullopt when it still runs after `timeout`.
  std::optional<int> waitExit(Millis timeout);

  // True while the process runs (reaps it when it has just ended).
  bool running();

  std::string readStdout() const;
  std::string readStderr() const;
  std::string stdoutPath() const { return stdout_path_; }

private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_;
  std::string stderr_path_;
};

struct CommandResult {
  int exit_code = -1; // -1: killed after the timeout
  std::string out;
  std::string err;
};

// Runs `argv` to completion (at most `timeout`, then SIGKILL), stdin from `stdin_file` (or
// /dev/null), and returns its exit code and output. For curl, openssl and the bulwark CLI.
CommandResult runCommand(const std::vector<std::string>& argv,
                         Millis timeout = std::chrono::seconds(30),
                         const std::string& stdin_file = "");

// Runs `curl -sS --max-time <timeout> args...` (curl reports errors on stderr, and exits 28 on
// its own timeout, before runCommand's).
CommandResult curl(const std::vector<std::string>& args, Millis timeout = std::chrono::seconds(30));

// An HTTP/1.1 response as read off the wire. Header names are lower-cased.
struct HttpResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& lower_name) const;
};

// One client TCP connection to 127.0.0.1:`port`, for requests written byte by byte.
class RawConnection {
public:
  // Connects (blocking, at most `timeout`); connected() tells whether it worked.
  explicit RawConnection(uint16_t port, Millis timeout = std::chrono::seconds(5));
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);

  // Reads one response (Content-Length, chunked, or until the peer closes); nullopt when the
  // connection closed or `timeout` passed before a whole response arrived.
  std::optional<HttpResponse> readResponse(Millis timeout = std::chrono::seconds(10));

  // True when the peer closes the connection (EOF or reset) within `timeout` with no further
  // bytes; bytes that arrive instead are appended to leftover().
  bool closedByPeer(Millis timeout = std::chrono::seconds(5));

  const std::string& leftover() const { return buffer_; }

private:
  // Reads more bytes into buffer_ before `deadline`; false on EOF, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);
  bool readUntil(std::string_view marker, std::chrono::steady_clock::time_point deadline,
                 size_t& end);
  bool readBody(HttpResponse& res, std::chrono::steady_clock::time_point deadline);
  bool readChunkedBody(HttpResponse& res, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

// A GET with `Connection: close` to 127.0.0.1:`port`; nullopt when no response came.
std::optional<HttpResponse> httpGet(uint16_t port, std::string_view target,
                                    Millis timeout = std::chrono::seconds(5));

// Polls GET `target` on `port` until it answers `status` or `timeout` passes.
bool waitForHttp(uint16_t port, std::string_view target, int status = 200,
                 Millis timeout = std::chrono::seconds(15));

// SHA-256, lower-case hex.
class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  std::string hexDigest(); // once

private:
  void* ctx_;
};

std::string sha256Hex(std::string_view data);
std::string sha256File(const std::string& path);

// Writes `size` pseudo-random bytes (fixed seed) to `path` (parent directories created) and
// returns their SHA-256.
std::string writeRandomFile(const std::string& path, uint64_t size);

// Peak resident set size (VmHWM) of `pid` in KiB, from /proc; 0 when unreadable.
uint64_t peakRssKiB(pid_t pid);

// std::this_thread::sleep_for, kept out of the header's includes.
void sleepFor(Millis duration);

// CPU time (user + system) `pid` has used so far, from /proc; 0 when unreadable.
Millis cpuTime(pid_t pid);

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns its last value.
template <typename Condition>
bool eventually(Condition condition, Millis timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    sleepFor(Millis(10));
  }
}

// Lines of `text`, without their '\n'; a last line without '\n' counts.
std::vector<std::string> splitLines(std::string_view text);

} // namespace bulwark::testing
