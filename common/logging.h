#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace bulwark {

// The areas that log, one named spdlog logger each. Lines read
// `<time> [<area>] <level> key=value ...`; per-request lines are debug, lifecycle lines info.
enum class LogArea { Proxy, Tls, Rules, Filters, Config, Health, Admin };

// Sets up the area loggers on stderr at `level` ("trace", "debug", "info", "warn", "error",
// "off"). Call once from main before any thread starts; unknown levels mean "info".
void initLogging(std::string_view level);

// The logger of an area. Valid after initLogging (before it, a default stderr logger).
// Safe from any thread.
spdlog::logger& log(LogArea area);

// Rate-limits log lines that a peer can trigger: at most `per_second` lines a second pass.
// Cheap and lock-free; a dropped line is still counted by the caller's stat.
class LogLimiter {
public:
  explicit LogLimiter(int per_second = 10) : per_second_(per_second) {}

  // True when this line may be written now. Any thread.
  bool allow() noexcept;

private:
  int per_second_;
  std::atomic<int64_t> window_{0};
  std::atomic<int> count_{0};
};

}  // namespace bulwark
