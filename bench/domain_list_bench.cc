// Micro-benchmarks of domain lists: building a set from a million names, and the lookup the
// request path does for every Host header and SNI.
#include <cstddef>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "rules/domain_list.h"

namespace {

using namespace bulwark;

constexpr size_t kNames = 1'000'000;

// One name a line: `host<i>.zone<i % 997>.example`, every tenth with a leading dot.
const std::string& millionNameList() {
  static const std::string text = [] {
    std::string out;
    out.reserve(kNames * 32);
    for (size_t i = 0; i < kNames; ++i) {
      out += (i % 10 == 0 ? "." : "");
      out += "host" + std::to_string(i) + ".zone" + std::to_string(i % 997) + ".example\n";
    }
    return out;
  }();
  return text;
}

const rules::DomainSet& millionNameSet() {
  static const rules::DomainSet set = [] {
    std::vector<rules::ListProblem> problems;
    return rules::DomainSet::fromText(millionNameList(), "bench", problems);
  }();
  return set;
}

void BM_LoadMillionNames(benchmark::State& state) {
  const std::string& text = millionNameList();
  for (auto _ : state) {
    std::vector<rules::ListProblem> problems;
    rules::DomainSet set = rules::DomainSet::fromText(text, "bench", problems);
    benchmark::DoNotOptimize(set);
    state.counters["bytes_held"] = static_cast<double>(set.memoryBytes());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kNames));
}
BENCHMARK(BM_LoadMillionNames)->Unit(benchmark::kMillisecond)->Iterations(3);

// Hosts the request path sees: the hit on an exact name, the hit on a name below a listed
// domain, and a miss of typical depth.
void lookup(benchmark::State& state, const char* host) {
  const rules::DomainSet& set = millionNameSet();
  for (auto _ : state) {
    const rules::DomainEntry* entry = set.match(host);
    benchmark::DoNotOptimize(entry);
  }
}

void BM_LookupExactHit(benchmark::State& state) {
  lookup(state, "host123457.zone824.example");
}
BENCHMARK(BM_LookupExactHit);

void BM_LookupSubdomainHit(benchmark::State& state) {
  lookup(state, "cdn.www.host123450.zone817.example");
}
BENCHMARK(BM_LookupSubdomainHit);

void BM_LookupMiss(benchmark::State& state) {
  lookup(state, "www.shop.example.com");
}
BENCHMARK(BM_LookupMiss);

void BM_LookupDeepMiss(benchmark::State& state) {
  lookup(state, "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.example.com");
}
BENCHMARK(BM_LookupDeepMiss);

// Misses spread over many different names, so that the table is not all in cache.
void BM_LookupSpreadMiss(benchmark::State& state) {
  const rules::DomainSet& set = millionNameSet();
  std::vector<std::string> hosts;
  for (size_t i = 0; i < 4096; ++i) {
    hosts.push_back("www.site" + std::to_string(i * 7919) + ".example.net");
  }
  size_t next = 0;
  for (auto _ : state) {
    const rules::DomainEntry* entry = set.match(hosts[next++ & 4095]);
    benchmark::DoNotOptimize(entry);
  }
}
BENCHMARK(BM_LookupSpreadMiss);

} // namespace
