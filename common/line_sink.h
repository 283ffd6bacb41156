#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace bulwark {

class Counter;

// Where log lines go (the access log, the alert log): a file opened for append, stdout, stderr,
// or nowhere. Shared by all workers; each hands it whole lines in one write(2), so lines never
// interleave.
class LineSink {
public:
  // `target` is "off" (or empty), "stdout", "stderr" or a path; `what` names the log in errors
  // and in the stat `<what>.write_error`. nullptr and `error` set when the file cannot be opened.
  static std::shared_ptr<LineSink> open(const std::string& target, std::string_view what,
                                        std::string& error);

  ~LineSink();
  LineSink(const LineSink&) = delete;
  LineSink& operator=(const LineSink&) = delete;

  bool enabled() const noexcept { return fd_ >= 0; }

  // Writes complete lines. Any thread; never throws; a failed write is counted and dropped.
  void write(std::string_view lines) noexcept;

private:
  LineSink(int fd, bool owned, Counter& failures) : fd_(fd), owned_(owned), failures_(failures) {}

  int fd_ = -1;
  bool owned_ = false;
  Counter& failures_;
};

} // namespace bulwark
