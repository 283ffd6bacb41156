// Inspection cost with a real rule set: the ET Open snapshot in shared/data (BULWARK_SHARED_DATA,
// default ../shared/data beside the source tree). Targets: a browser GET's head in at most 5 us
// on one core, request bodies at 1 GB/s or more. Without the data every benchmark reports an
// error and is skipped.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rules/inspector.h"
#include "rules/normalize.h"
#include "rules/rule_parser.h"
#include "rules/signature_set.h"

namespace {

using namespace bulwark;

std::filesystem::path etOpenDir() {
  if (const char* env = std::getenv("BULWARK_SHARED_DATA"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "et-open";
  }
  return std::filesystem::path(BULWARK_SOURCE_DIR) / ".." / "shared" / "data" / "et-open";
}

// The loaded signatures, read once per process; empty when the snapshot is absent.
const std::vector<rules::Signature>& etOpenSignatures() {
  static const std::vector<rules::Signature> signatures = [] {
    if (!std::filesystem::is_directory(etOpenDir())) {
      return std::vector<rules::Signature>{};
    }
    return rules::loadRuleFiles({etOpenDir().string()}, rules::ParseOptions{}).signatures;
  }();
  return signatures;
}

// The compiled set, built once per process; null when the snapshot is absent.
std::shared_ptr<const rules::SignatureSet> etOpenSet() {
  static const std::shared_ptr<const rules::SignatureSet> set = [] {
    std::vector<rules::RuleProblem> problems;
    const auto& signatures = etOpenSignatures();
    return signatures.empty() ? nullptr
                              : rules::SignatureSet::compile(signatures, {}, problems);
  }();
  return set;
}

// A request as the proxy hands it to the inspector: owned bytes and the view over them.
struct BenchRequest {
  BenchRequest(std::string method_in, std::string target_in,
               std::vector<std::pair<std::string, std::string>> headers_in)
      : method(std::move(method_in)), target(std::move(target_in)),
        headers(std::move(headers_in)) {
    const std::string_view whole = target;
    const auto question = whole.find('?');
    rules::NormalizedPath path;
    rules::normalizePath(whole.substr(0, question), path);
    normalized = path.path;
    for (const auto& [name, value] : headers) {
      fields.push_back({name, value});
      if (name == "Host") {
        host = rules::normalizeHost(value);
      }
    }
    view.method = method;
    view.target = target;
    view.normalized_path = normalized;
    view.query = question == std::string_view::npos ? std::string_view{}
                                                      : whole.substr(question + 1);
    view.protocol = "HTTP/1.1";
    view.host = host;
    view.headers = fields;
  }
  BenchRequest(const BenchRequest&) = delete;
  BenchRequest& operator=(const BenchRequest&) = delete;

  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string normalized;
  std::string host;
  std::vector<rules::HeaderField> fields;
  rules::RequestView view;
};

// About 600 bytes of head, as Chrome sends it for a page on a site it has visited.
std::vector<std::pair<std::string, std::string>> chromeHeaders() {
  return {
      {"Host", "shop.example.com"},
      {"Connection", "keep-alive"},
      {"sec-ch-ua", R"("Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99")"},
      {"sec-ch-ua-mobile", "?0"},
      {"sec-ch-ua-platform", "\"Windows\""},
      {"Upgrade-Insecure-Requests", "1"},
      {"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                     "like Gecko) Chrome/124.0.0.0 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                 "image/webp,*/*;q=0.8"},
      {"Sec-Fetch-Site", "same-origin"},
      {"Sec-Fetch-Mode", "navigate"},
      {"Sec-Fetch-Dest", "document"},
      {"Referer", "https://shop.example.com/"},
      {"Accept-Encoding", "gzip, deflate, br, zstd"},
      {"Accept-Language", "en-US,en;q=0.9"},
      {"Cookie", "sid=6f1c2a9e4b7d4e0f9a3c; theme=dark"},
  };
}

void inspectHeadsOf(benchmark::State& state, const BenchRequest& request) {
  const auto set = etOpenSet();
  if (set == nullptr) {
    state.SkipWithError("no ET Open snapshot (set BULWARK_SHARED_DATA)");
    return;
  }
  rules::Inspector inspector(rules::InspectorOptions{});
  rules::RequestInspection inspection;
  rules::FlowState flow;
  size_t hits = 0;
  for (auto _ : state) {
    inspection.reset();
    benchmark::DoNotOptimize(inspector.inspectHeaders(set, request.view, flow, inspection));
    hits = inspection.hits().size();
  }
  state.counters["hits"] = static_cast<double>(hits);
  state.SetItemsProcessed(state.iterations());
}

void BM_InspectHeadersBrowserGet(benchmark::State& state) {
  const BenchRequest request("GET", "/products/4711-merino-sweater?color=navy&size=m",
                             chromeHeaders());
  inspectHeadsOf(state, request);
}
BENCHMARK(BM_InspectHeadersBrowserGet);

void BM_InspectHeadersSqlInjectionQuery(benchmark::State& state) {
  const BenchRequest request(
      "GET",
      "/products/view.php?id=1%27%20UNION%20ALL%20SELECT%20NULL,CONCAT(username,0x3a,password),"
      "NULL%20FROM%20users--%20-",
      chromeHeaders());
  inspectHeadsOf(state, request);
}
BENCHMARK(BM_InspectHeadersSqlInjectionQuery);

// 1 MiB of JSON-like text with varying values, fed in 64 KiB chunks as the proxy reads it.
void BM_InspectBody1MiBIn64KiBChunks(benchmark::State& state) {
  const auto set = etOpenSet();
  if (set == nullptr) {
    state.SkipWithError("no ET Open snapshot (set BULWARK_SHARED_DATA)");
    return;
  }
  auto headers = chromeHeaders();
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Content-Length", "1048576");
  const BenchRequest request("POST", "/api/v1/import", std::move(headers));
  std::string body;
  for (uint32_t i = 0; body.size() < (1U << 20); ++i) {
    body += "{\"id\":" + std::to_string(i * 7919U % 100000U) + ",\"name\":\"item-" +
            std::to_string(i) + "\",\"price\":" + std::to_string(i % 997) +
            ".95,\"tags\":[\"blue\",\"wool\"]},\n";
  }
  body.resize(1U << 20);
  constexpr size_t kChunk = 64 * 1024;

  rules::Inspector inspector(rules::InspectorOptions{});
  rules::RequestInspection inspection;
  rules::FlowState flow;
  for (auto _ : state) {
    inspection.reset();
    inspector.inspectHeaders(set, request.view, flow, inspection);
    for (size_t at = 0; at < body.size(); at += kChunk) {
      const std::string_view chunk = std::string_view(body).substr(at, kChunk);
      benchmark::DoNotOptimize(inspector.inspectBody(request.view, flow, chunk,
                                                     at + kChunk >= body.size(), inspection));
    }
  }
  state.counters["hits"] = static_cast<double>(inspection.hits().size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_InspectBody1MiBIn64KiBChunks);

void BM_CompileEtOpen(benchmark::State& state) {
  const auto& signatures = etOpenSignatures();
  if (signatures.empty()) {
    state.SkipWithError("no ET Open snapshot (set BULWARK_SHARED_DATA)");
    return;
  }
  size_t rules = 0;
  for (auto _ : state) {
    std::vector<rules::RuleProblem> problems;
    const auto set = rules::SignatureSet::compile(signatures, {}, problems);
    rules = set == nullptr ? 0 : set->rules().size();
  }
  state.counters["rules"] = static_cast<double>(rules);
}
BENCHMARK(BM_CompileEtOpen)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
