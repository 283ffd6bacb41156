#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <chrono>

namespace bulwark {
namespace {

constexpr std::array<const char*, 7> kAreaNames = {"proxy",  "tls",    "rules", "filters",
                                                   "config", "health", "admin"};

std::array<std::shared_ptr<spdlog::logger>, kAreaNames.size()>& loggers() {
  static std::array<std::shared_ptr<spdlog::logger>, kAreaNames.size()> all = [] {
    std::array<std::shared_ptr<spdlog::logger>, kAreaNames.size()> made;
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    for (size_t i = 0; i < kAreaNames.size(); ++i) {
      made[i] = std::make_shared<spdlog::logger>(kAreaNames[i], sink);
      made[i]->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%n] %l %v");
      made[i]->set_level(spdlog::level::info);
    }
    return made;
  }();
  return all;
}

}  // namespace

void initLogging(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    parsed = spdlog::level::info;
  }
  for (auto& logger : loggers()) {
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
  }
}

spdlog::logger& log(LogArea area) { return *loggers()[static_cast<size_t>(area)]; }

bool LogLimiter::allow() noexcept {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t window = window_.load(std::memory_order_relaxed);
  if (window != now && window_.compare_exchange_strong(window, now, std::memory_order_relaxed)) {
    count_.store(0, std::memory_order_relaxed);
  }
  return count_.fetch_add(1, std::memory_order_relaxed) < per_second_;
}

}  // namespace bulwark
