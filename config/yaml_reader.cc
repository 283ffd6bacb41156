#include "config/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strings.h"

namespace bulwark::config {
namespace {

std::string typeName(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    return "a map";
  case YAML::NodeType::Sequence:
    return "a list";
  case YAML::NodeType::Scalar:
    return "'" + node.Scalar() + "'";
  default:
    return "nothing";
  }
}

std::optional<uint64_t> parseUnsigned(std::string_view text) {
  if (text.empty() || text.size() > 20) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

// strerror(3) may share a buffer between threads; the error_code message does not.
std::string errnoText() {
  return std::error_code(errno, std::generic_category()).message();
}

bool hasGlobCharacters(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

} // namespace

const Field* YamlMap::entry(std::string_view key) const {
  for (const auto& [name, field] : entries_) {
    if (name == key) {
      return &field;
    }
  }
  return nullptr;
}

const Field* YamlMap::value(std::string_view key) const {
  const Field* field = entry(key);
  return field != nullptr && !field->isNull() ? field : nullptr;
}

YamlReader::YamlReader(std::string source, std::string base_dir)
    : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

SourceMark YamlReader::sourceMark(const YAML::Mark& mark) const {
  if (mark.is_null()) {
    return SourceMark{source_, 0, 0};
  }
  return SourceMark{source_, mark.line + 1, mark.column + 1};
}

void YamlReader::error(const YAML::Mark& mark, std::string message) {
  errors_.push_back(ConfigError{sourceMark(mark), std::move(message)});
}

void YamlReader::error(const Field& field, const std::string& message) {
  error(field.mark, (field.path.empty() ? "top level" : field.path) + ": " + message);
}

void YamlReader::warn(const Field& field, const std::string& message) {
  const std::string where = field.path.empty() ? "top level" : field.path;
  warnings_.push_back(ConfigError{sourceMark(field.mark), where + ": " + message}.toString());
}

std::optional<YamlMap> YamlReader::map(const Field& field,
                                       std::span<const std::string_view> allowed) {
  if (!field.isNull() && !field.value.IsMap()) {
    error(field, "expected a map, got " + typeName(field.value));
    return std::nullopt;
  }
  YamlMap map(field);
  if (!field.isNull()) {
    checkKeys(map, allowed);
  }
  return map;
}

void YamlReader::checkKeys(YamlMap& map, std::span<const std::string_view> allowed) {
  const std::string prefix = map.self().path.empty() ? "" : map.self().path + ".";
  const std::string where = map.self().path.empty() ? "at the top level" : "in " + map.self().path;
  for (const auto& item : map.self().value) {
    const YAML::Node& key = item.first;
    if (!key.IsScalar()) {
      error(key.Mark(), fmt::format("a key must be a plain name {}, got {}", where, typeName(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message =
          fmt::format("unknown key '{}' {}; allowed: {}", name, where, joinNames(allowed));
      if (auto near = closestMatch(name, allowed); !near.empty()) {
        message += "; did you mean '" + std::string(near) + "'?";
      }
      error(key.Mark(), std::move(message));
      continue;
    }
    if (map.entry(name) != nullptr) {
      // yaml-cpp keeps both copies of a repeated key and lookups see the first: say so rather
      // than let the second silently lose.
      error(key.Mark(), fmt::format("duplicate key '{}' {}", name, where));
      continue;
    }
    const YAML::Node& value = item.second;
    const bool null_value = !value.IsDefined() || value.IsNull();
    map.entries_.emplace_back(name,
                              Field{value, null_value ? key.Mark() : value.Mark(), prefix + name});
  }
}

std::vector<Field> YamlReader::list(const Field& field) {
  std::vector<Field> items;
  if (field.isNull()) {
    return items;
  }
  if (!field.value.IsSequence()) {
    error(field, "expected a list, got " + typeName(field.value));
    return items;
  }
  for (const auto& item : field.value) {
    const std::string path = field.path + "[" + std::to_string(items.size()) + "]";
    items.push_back(Field{item, item.Mark(), path});
  }
  return items;
}

bool YamlReader::require(const YamlMap& map, std::string_view key) {
  if (map.value(key) != nullptr) {
    return true;
  }
  const std::string where = map.self().path.empty() ? "at the top level" : "in " + map.self().path;
  error(map.self().mark, "missing required key '" + std::string(key) + "' " + where);
  return false;
}

std::optional<std::string> YamlReader::scalar(const Field& field, std::string_view expected) {
  if (!field.value.IsScalar()) {
    error(field, "expected " + std::string(expected) + ", got " + typeName(field.value));
    return std::nullopt;
  }
  return field.value.Scalar();
}

bool YamlReader::readString(const Field& field, std::string& out) {
  auto text = scalar(field, "a string");
  if (!text) {
    return false;
  }
  out = std::move(*text);
  return true;
}

bool YamlReader::readBool(const Field& field, bool& out) {
  auto text = scalar(field, "true or false");
  if (!text) {
    return false;
  }
  if (iequals(*text, "true") || iequals(*text, "yes") || iequals(*text, "on")) {
    out = true;
    return true;
  }
  if (iequals(*text, "false") || iequals(*text, "no") || iequals(*text, "off")) {
    out = false;
    return true;
  }
  error(field, "expected true or false, got '" + *text + "'");
  return false;
}

bool YamlReader::readUint(const Field& field, uint64_t& out, uint64_t min, uint64_t max) {
  auto text = scalar(field, "a whole number");
  if (!text) {
    return false;
  }
  auto number = parseUnsigned(*text);
  if (!number) {
    error(field, "expected a whole number, got '" + *text + "'");
    return false;
  }
  if (*number < min || *number > max) {
    error(field, "must be " + std::to_string(min) + "-" + std::to_string(max) + ", got " + *text);
    return false;
  }
  out = *number;
  return true;
}

bool YamlReader::readUint32(const Field& field, uint32_t& out, uint32_t min, uint32_t max) {
  uint64_t value = 0;
  if (!readUint(field, value, min, max)) {
    return false;
  }
  out = static_cast<uint32_t>(value);
  return true;
}

bool YamlReader::readDuration(const Field& field, Duration& out, bool allow_zero) {
  auto text = scalar(field, "a duration (250ms, 2s, 5m)");
  if (!text) {
    return false;
  }
  auto duration = parseDuration(*text);
  if (!duration) {
    error(field,
          "bad duration '" + *text + "'; write a whole number and a unit: 250ms, 2s, 5m, 1h");
    return false;
  }
  if (!allow_zero && duration->count() == 0) {
    error(field, "must be longer than 0ms");
    return false;
  }
  out = *duration;
  return true;
}

bool YamlReader::readSize(const Field& field, uint64_t& out, uint64_t min) {
  auto text = scalar(field, "a size (16KiB, 1MiB)");
  if (!text) {
    return false;
  }
  auto size = parseSize(*text);
  if (!size) {
    error(field, "bad size '" + *text + "'; write a whole number and a unit: 512B, 16KiB, 1MiB");
    return false;
  }
  if (*size < min) {
    error(field, "must be at least " + std::to_string(min) + " bytes");
    return false;
  }
  out = *size;
  return true;
}

bool YamlReader::readAddress(const Field& field, Address& out, PortRule rule) {
  auto text = scalar(field, "an address (host:port)");
  if (!text) {
    return false;
  }
  std::string why;
  auto address = parseAddress(*text, rule, why);
  if (!address) {
    error(field, "bad address '" + *text + "': " + why);
    return false;
  }
  out = std::move(*address);
  return true;
}

bool YamlReader::readStringList(const Field& field, std::vector<std::string>& out) {
  if (!field.isNull() && !field.value.IsSequence()) {
    error(field, "expected a list, got " + typeName(field.value));
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (const Field& item : list(field)) {
    std::string value;
    ok = readString(item, value) && ok;
    values.push_back(std::move(value));
  }
  if (ok) {
    out = std::move(values);
  }
  return ok;
}

std::string YamlReader::resolvePath(std::string_view path) const {
  std::filesystem::path resolved(path);
  if (resolved.is_relative()) {
    resolved = std::filesystem::path(base_dir_) / resolved;
  }
  return resolved.lexically_normal().string();
}

bool YamlReader::checkFile(const Field& field, const std::string& path, std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    error(field, std::string(what) + " '" + path + "': " + errnoText());
    return false;
  }
  if (!S_ISREG(info.st_mode)) {
    error(field, std::string(what) + " '" + path + "' is not a regular file");
    return false;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    error(field, std::string(what) + " '" + path + "' is not readable: " + errnoText());
    return false;
  }
  return true;
}

bool YamlReader::readFile(const Field& field, std::string& out, std::string_view what) {
  auto text = scalar(field, "a file path");
  if (!text) {
    return false;
  }
  if (text->empty()) {
    error(field, "the " + std::string(what) + " path is empty");
    return false;
  }
  const std::string path = resolvePath(*text);
  if (!checkFile(field, path, what)) {
    return false;
  }
  out = path;
  return true;
}

bool YamlReader::readGlobs(const Field& field, std::vector<std::string>& out,
                           std::string_view what) {
  std::vector<std::string> patterns;
  if (!readStringList(field, patterns)) {
    return false;
  }
  const std::vector<Field> items = list(field);
  bool ok = true;
  for (size_t i = 0; i < patterns.size(); ++i) {
    const std::string pattern = resolvePath(patterns[i]);
    if (!hasGlobCharacters(pattern)) {
      ok = checkFile(items[i], pattern, what) && ok;
      out.push_back(pattern);
      continue;
    }

    // glob(3) sorts its matches, so the load order of rule files is stable across runs.
    glob_t matches{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
    size_t files = 0;
    for (size_t m = 0; rc == 0 && m < matches.gl_pathc; ++m) {
      struct stat info {};
      if (::stat(matches.gl_pathv[m], &info) == 0 && S_ISREG(info.st_mode)) {
        ok = checkFile(items[i], matches.gl_pathv[m], what) && ok;
        out.emplace_back(matches.gl_pathv[m]);
        ++files;
      }
    }
    ::globfree(&matches);
    if (files == 0) {
      error(items[i], "'" + patterns[i] + "' matches no " + std::string(what) + " (looked for '" +
                          pattern + "')");
      ok = false;
    }
  }
  return ok;
}

void YamlReader::reportBadEnum(const Field& field, const std::string& text,
                               std::span<const std::string_view> names) {
  std::string message = "unknown value '" + text + "'; allowed: " + joinNames(names);
  if (auto near = closestMatch(text, names); !near.empty()) {
    message += "; did you mean '" + std::string(near) + "'?";
  }
  error(field, message);
}

std::vector<ConfigError> YamlReader::takeErrors() {
  // Sections are read in dependency order (clusters before the routes naming them), not file
  // order; sorting by position gives the reader the errors top to bottom.
  std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.mark.line, a.mark.column) < std::tie(b.mark.line, b.mark.column);
  });
  return std::move(errors_);
}

} // namespace bulwark::config
