#include "common/stats.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace bulwark {

Stats& Stats::global() {
  static Stats stats;
  return stats;
}

Stats::Entry& Stats::entry(std::string_view name, std::string_view help, bool is_counter) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(name);
  if (found != entries_.end()) {
    return *found->second;
  }
  auto made = std::make_unique<Entry>();
  made->is_counter = is_counter;
  made->help = help.empty() ? std::string(name) : std::string(help);
  return *entries_.emplace(std::string(name), std::move(made)).first->second;
}

Counter& Stats::counter(std::string_view name, std::string_view help) {
  return entry(name, help, true).counter;
}

Gauge& Stats::gauge(std::string_view name, std::string_view help) {
  return entry(name, help, false).gauge;
}

int64_t Stats::value(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(name);
  if (found == entries_.end()) {
    return -1;
  }
  const Entry& e = *found->second;
  return e.is_counter ? static_cast<int64_t>(e.counter.value()) : e.gauge.value();
}

std::string Stats::renderPrometheus() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, e] : entries_) {
    std::string metric = "bulwark_";
    for (char c : name) {
      metric += (std::isalnum(static_cast<unsigned char>(c)) != 0) ? c : '_';
    }
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n{} {}\n", metric,
                   e->help, metric, e->is_counter ? "counter" : "gauge", metric,
                   e->is_counter ? static_cast<int64_t>(e->counter.value()) : e->gauge.value());
  }
  return out;
}

std::string Stats::renderJson() const {
  std::string out = "{";
  std::lock_guard lock(mutex_);
  bool first = true;
  for (const auto& [name, e] : entries_) {
    out += first ? "" : ",";
    first = false;
    appendJsonString(out, name);
    fmt::format_to(std::back_inserter(out), ":{}",
                   e->is_counter ? static_cast<int64_t>(e->counter.value()) : e->gauge.value());
  }
  out += "}";
  return out;
}

}  // namespace bulwark
