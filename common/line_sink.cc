#include "common/line_sink.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include "common/stats.h"

namespace bulwark {

std::shared_ptr<LineSink> LineSink::open(const std::string& target, std::string_view what,
                                         std::string& error) {
  Counter& failures = Stats::global().counter(fmt::format("{}.write_error", what));
  if (target.empty() || target == "off") {
    return std::shared_ptr<LineSink>(new LineSink(-1, false, failures));
  }
  if (target == "stdout") {
    return std::shared_ptr<LineSink>(new LineSink(STDOUT_FILENO, false, failures));
  }
  if (target == "stderr") {
    return std::shared_ptr<LineSink>(new LineSink(STDERR_FILENO, false, failures));
  }
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    error = fmt::format("{} {}: {}", what, target, std::strerror(errno));
    return nullptr;
  }
  return std::shared_ptr<LineSink>(new LineSink(fd, true, failures));
}

LineSink::~LineSink() {
  if (owned_ && fd_ >= 0) {
    ::close(fd_);
  }
}

void LineSink::write(std::string_view lines) noexcept {
  while (!lines.empty() && fd_ >= 0) {
    const ssize_t wrote = ::write(fd_, lines.data(), lines.size());
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      failures_.inc();
      return;
    }
    lines.remove_prefix(static_cast<size_t>(wrote));
  }
}

} // namespace bulwark
