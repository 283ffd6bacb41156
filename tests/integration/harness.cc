#include "tests/integration/harness.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strings.h"

extern char** environ;

namespace bulwark::testing {
namespace {

using namespace std::chrono_literals;

using Clock = std::chrono::steady_clock;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool waitFd(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, remainingMs(deadline));
    if (n > 0) {
      return true;
    }
    if (n == 0 || errno != EINTR) {
      return false;
    }
  }
}

int exitCodeOf(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

} // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/bulwark-it-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::file(std::string_view name) const {
  return (path_ / name).string();
}

std::string TempDir::write(std::string_view name, std::string_view content) const {
  const auto target = path_ / name;
  std::filesystem::create_directories(target.parent_path());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return target.string();
}

uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("freePort: " + std::string(std::strerror(errno)));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool portIsFree(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = loopback(port);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return free;
}

bool portAccepts(uint16_t port) {
  return RawConnection(port, 1s).connected();
}

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& output_dir,
                 std::string_view tag, const std::vector<std::string>& env,
                 const std::string& stdin_path)
    : stdout_path_((output_dir / (std::string(tag) + ".stdout")).string()),
      stderr_path_((output_dir / (std::string(tag) + ".stderr")).string()) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);

  std::vector<std::string> args = argv;
  // An entry of `env` replaces the variable of the same name from this process's environment.
  auto overridden = [&env](std::string_view entry) {
    const std::string_view name = entry.substr(0, entry.find('='));
    for (const auto& extra : env) {
      if (std::string_view(extra).substr(0, extra.find('=')) == name) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) {
      environment.emplace_back(*e);
    }
  }
  environment.insert(environment.end(), env.begin(), env.end());
  auto c_args = cStrings(args);
  auto c_env = cStrings(environment);

  const int rc = ::posix_spawnp(&pid_, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    waitExit(10s);
  }
}

void Process::signal(int sig) {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, sig);
  }
}

std::optional<int> Process::waitExit(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = exitCodeOf(status);
      break;
    }
    if (done < 0 && errno != EINTR) {
      exit_code_ = -1;
      break;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    sleepFor(5ms);
  }
  return exit_code_;
}

bool Process::running() {
  return pid_ > 0 && !waitExit(0ms);
}

std::string Process::readStdout() const {
  return readFile(stdout_path_);
}
std::string Process::readStderr() const {
  return readFile(stderr_path_);
}

CommandResult runCommand(const std::vector<std::string>& argv, Millis timeout,
                         const std::string& stdin_file) {
  TempDir dir;
  Process process(argv, dir.path(), "command", {}, stdin_file.empty() ? "/dev/null" : stdin_file);
  CommandResult result;
  const auto code = process.waitExit(timeout);
  if (!code) {
    process.signal(SIGKILL);
    process.waitExit(10s);
  }
  result.exit_code = code.value_or(-1);
  result.out = process.readStdout();
  result.err = process.readStderr();
  return result;
}

CommandResult curl(const std::vector<std::string>& args, Millis timeout) {
  std::vector<std::string> argv{"curl", "-sS", "--max-time",
                                std::to_string(timeout.count() / 1000)};
  argv.insert(argv.end(), args.begin(), args.end());
  return runCommand(argv, timeout + 5s);
}

std::string HttpResponse::header(const std::string& lower_name) const {
  const auto found = headers.find(lower_name);
  return found == headers.end() ? std::string() : found->second;
}

RawConnection::RawConnection(uint16_t port, Millis timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr = loopback(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    return;
  }
  int error = errno;
  if (error == EINPROGRESS && waitFd(fd_, POLLOUT, Clock::now() + timeout)) {
    socklen_t len = sizeof(error);
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error == 0) {
      return;
    }
  }
  ::close(fd_);
  fd_ = -1;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool RawConnection::send(std::string_view bytes) {
  const auto deadline = Clock::now() + 10s;
  while (!bytes.empty() && fd_ >= 0) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR) && waitFd(fd_, POLLOUT, deadline)) {
      continue;
    }
    return false;
  }
  return fd_ >= 0;
}

bool RawConnection::fill(Clock::time_point deadline) {
  if (fd_ < 0 || eof_) {
    return false;
  }
  std::array<char, 64 * 1024> chunk{};
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (n > 0) {
      buffer_.append(chunk.data(), static_cast<size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      eof_ = true;
      return false;
    }
    if (!waitFd(fd_, POLLIN, deadline)) {
      return false;
    }
  }
}

bool RawConnection::readUntil(std::string_view marker, Clock::time_point deadline, size_t& end) {
  for (;;) {
    const size_t found = buffer_.find(marker);
    if (found != std::string::npos) {
      end = found + marker.size();
      return true;
    }
    if (!fill(deadline)) {
      return false;
    }
  }
}

std::optional<HttpResponse> RawConnection::readResponse(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t end = 0;
    if (!readUntil("\r\n\r\n", deadline, end)) {
      return std::nullopt;
    }
    HttpResponse res;
    std::istringstream head(buffer_.substr(0, end));
    buffer_.erase(0, end);
    std::string line;
    std::getline(head, line);
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
      return std::nullopt;
    }
    res.status = std::atoi(line.c_str() + 9);
    while (std::getline(head, line) && line != "\r") {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t\r") + 1);
      res.headers.emplace(toLowerAscii(line.substr(0, colon)), value);
    }
    // Interim answers (100 Continue) are read past, as a client would.
    if (res.status >= 100 && res.status < 200) {
      continue;
    }
    if (!readBody(res, deadline)) {
      return std::nullopt;
    }
    return res;
  }
}

bool RawConnection::readBody(HttpResponse& res, Clock::time_point deadline) {
  if (res.status == 204 || res.status == 304) {
    return true;
  }
  if (toLowerAscii(res.header("transfer-encoding")).find("chunked") != std::string::npos) {
    return readChunkedBody(res, deadline);
  }
  const std::string length = res.header("content-length");
  if (!length.empty()) {
    const size_t want = std::stoull(length);
    while (buffer_.size() < want) {
      if (!fill(deadline)) {
        return false;
      }
    }
    res.body = buffer_.substr(0, want);
    buffer_.erase(0, want);
    return true;
  }
  while (fill(deadline)) {
  }
  res.body = std::move(buffer_);
  buffer_.clear();
  return eof_;
}

bool RawConnection::readChunkedBody(HttpResponse& res, Clock::time_point deadline) {
  for (;;) {
    size_t end = 0;
    if (!readUntil("\r\n", deadline, end)) {
      return false;
    }
    const size_t size = std::stoul(buffer_.substr(0, end), nullptr, 16);
    buffer_.erase(0, end);
    while (buffer_.size() < size + 2) {
      if (!fill(deadline)) {
        return false;
      }
    }
    res.body += buffer_.substr(0, size);
    buffer_.erase(0, size + 2);
    if (size == 0) {
      return true; // no trailers from the servers under test
    }
  }
}

bool RawConnection::closedByPeer(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (fill(deadline)) {
  }
  return eof_;
}

std::optional<HttpResponse> httpGet(uint16_t port, std::string_view target, Millis timeout) {
  RawConnection conn(port, timeout);
  if (!conn.connected()) {
    return std::nullopt;
  }
  std::string req =
      "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (!conn.send(req)) {
    return std::nullopt;
  }
  return conn.readResponse(timeout);
}

bool waitForHttp(uint16_t port, std::string_view target, int status, Millis timeout) {
  return eventually(
      [&] {
        const auto res = httpGet(port, target, 1s);
        return res && res->status == status;
      },
      timeout);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256::update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Sha256::hexDigest() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  Sha256 sha;
  sha.update(data);
  return sha.hexDigest();
}

std::string sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chunk(1 << 20);
  Sha256 sha;
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    sha.update(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  return sha.hexDigest();
}

std::string writeRandomFile(const std::string& path, uint64_t size) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 random(0x5eedULL);
  std::vector<uint64_t> block(128 * 1024);
  Sha256 sha;
  for (uint64_t written = 0; written < size;) {
    for (auto& word : block) {
      word = random();
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size - written, block.size() * 8));
    const std::string_view bytes(reinterpret_cast<const char*>(block.data()), n);
    out.write(bytes.data(), static_cast<std::streamsize>(n));
    sha.update(bytes);
    written += n;
  }
  return sha.hexDigest();
}

uint64_t peakRssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoull(line.substr(6));
    }
  }
  return 0;
}

Millis cpuTime(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime
  // are the 14th and 15th fields of the line, the 12th and 13th after the ')'.
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos) {
    return 0ms;
  }
  std::istringstream fields(text.substr(paren + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) {
    fields >> skip;
  }
  uint64_t user = 0;
  uint64_t system = 0;
  fields >> user >> system;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return Millis((user + system) * 1000 / static_cast<uint64_t>(ticks > 0 ? ticks : 100));
}

void sleepFor(Millis duration) {
  std::this_thread::sleep_for(duration);
}

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    lines.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) {
      break;
    }
    text.remove_prefix(nl + 1);
  }
  return lines;
}

} // namespace bulwark::testing
