#pragma once

// The fixture of the loader tests: configs are loaded from text named `t.yaml`, with relative
// paths resolved against a fresh temporary directory.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/loader.h"
#include "tests/config/temp_dir.h"

namespace bulwark::config::testing {

// The smallest config that loads: one listener routing everything to one cluster.
constexpr const char* kMinimal = R"(listeners:
  - name: web
    address: 127.0.0.1:0
    routes:
      - cluster: web
clusters:
  - name: web
    endpoints:
      - address: 127.0.0.1:9001
)";

class ConfigLoaderTest : public ::testing::Test {
protected:
  LoadResult load(const std::string& yaml) { return loadConfigText(yaml, "t.yaml", dir_.path()); }

  // kMinimal followed by `extra` (top-level sections), which starts on line 10.
  LoadResult loadWith(const std::string& extra) { return load(std::string(kMinimal) + extra); }

  static std::vector<std::string> errors(const LoadResult& result) {
    std::vector<std::string> out;
    for (const auto& error : result.errors) {
      out.push_back(error.toString());
    }
    return out;
  }

  TempDir dir_;
};

} // namespace bulwark::config::testing
