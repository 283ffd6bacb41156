#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <cctype>

namespace bulwark {

// A monotonically increasing count. Incremented from any thread without locks.
class Counter {
public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (active connections, healthy endpoints).
class Gauge {
public:
  void add(int64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void sub(int64_t n = 1) noexcept { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> value_{0};
};

// The process's statistics, named in dotted lower snake case, scope first:
// `listener.https.downstream_cx_total`, `cluster.web.upstream_rq_5xx`.
//
// Registering a name takes a lock and is meant for setup (a listener, a cluster); the returned
// reference stays valid for the life of the registry and is what the hot path increments.
// Registering the same name twice returns the same object.
class Stats {
public:
  // The process-wide registry.
  static Stats& global();

  Counter& counter(std::string_view name, std::string_view help = {});
  Gauge& gauge(std::string_view name, std::string_view help = {});

  // Current value of a counter or gauge, or -1 when no such name exists. For tests and admin.
  int64_t value(std::string_view name) const;

  // Prometheus text exposition (version 0.0.4): `bulwark_` + the name with dots as underscores,
  // each with HELP and TYPE lines.
  std::string renderPrometheus() const;

  // A flat JSON object {"dotted.name": value, ...}.
  std::string renderJson() const;

private:
  struct Entry {
    bool is_counter = true;
    std::string help;
    Counter counter;
    Gauge gauge;
  };

  Entry& entry(std::string_view name, std::string_view help, bool is_counter);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
};

}  // namespace bulwark
