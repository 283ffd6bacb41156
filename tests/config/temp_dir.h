#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace bulwark::config::testing {

// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it when the
// test ends. Config files and the files they reference are written here.
class TempDir {
public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/bulwark-config-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    // Canonical, so that paths the loader makes absolute compare equal to ours.
    path_ = std::filesystem::canonical(pattern).string();
  }

  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to `relative` under the directory, creating parent directories. Returns the
  // absolute path.
  std::string write(const std::string& relative, const std::string& content = "x\n") const {
    const std::filesystem::path file = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

  std::string abs(const std::string& relative) const {
    return (std::filesystem::path(path_) / relative).lexically_normal().string();
  }

private:
  std::string path_;
};

} // namespace bulwark::config::testing
