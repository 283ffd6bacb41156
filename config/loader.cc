#include "config/loader.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "config/config_builder.h"
#include "config/yaml_reader.h"

namespace bulwark::config {
namespace {

std::string absoluteDir(const std::string& dir) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
  return ec ? dir : absolute.lexically_normal().string();
}

LoadResult fileError(const std::string& path, std::string message) {
  LoadResult result;
  result.errors.push_back(ConfigError{SourceMark{path, 0, 0}, std::move(message)});
  return result;
}

} // namespace

std::string ConfigError::toString() const {
  if (mark.line <= 0) {
    return mark.file + ": " + message;
  }
  return mark.file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " +
         message;
}

LoadResult loadConfigText(const std::string& text, const std::string& source_name,
                          const std::string& base_dir) {
  LoadResult result;
  try {
    result.config.source = source_name;
    result.config.base_dir = absoluteDir(base_dir);
    YamlReader reader(source_name, result.config.base_dir);
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      reader.error(e.mark, "YAML syntax error: " + e.msg);
      result.errors = reader.takeErrors();
      return result;
    }
    ConfigBuilder(reader, result.config).build(root);
    result.errors = reader.takeErrors();
    result.warnings = reader.takeWarnings();
  } catch (const std::exception& e) {
    // Only a bug or an exhausted allocator gets here; the caller still gets an error, not a throw.
    result.errors.push_back(ConfigError{SourceMark{source_name, 0, 0},
                                        std::string("internal error while loading: ") + e.what()});
  } catch (...) {
    result.errors.push_back(
        ConfigError{SourceMark{source_name, 0, 0}, "internal error while loading"});
  }
  return result;
}

LoadResult loadConfigFile(const std::string& path) {
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      return fileError(path, "is a directory, not a config file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return fileError(path, "cannot open the config file: " +
                                 std::error_code(errno, std::generic_category()).message());
    }
    std::ostringstream text;
    text << in.rdbuf();
    const auto dir = std::filesystem::path(path).parent_path().string();
    return loadConfigText(text.str(), path, dir);
  } catch (const std::exception& e) {
    return fileError(path, std::string("cannot read the config file: ") + e.what());
  }
}

} // namespace bulwark::config
