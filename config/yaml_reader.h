#pragma once

// Typed reading of YAML nodes with error collection, used by ConfigBuilder. Every read checks
// the type and form of one value; on a bad value it records a ConfigError at the value's
// file:line:column and leaves the destination unchanged (its default), so that loading goes on
// and reports every problem at once. Not thread-safe: one reader per load.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "config/loader.h"
#include "config/values.h"

namespace bulwark::config {

// One value in the document and where to blame it.
struct Field {
  YAML::Node value;
  // The value's position; for a null value (`key:` with nothing after it) the key's position,
  // because yaml-cpp marks an empty value at the next token, often on another line.
  YAML::Mark mark;
  std::string path; // for messages: `listeners[0].tls.policy`

  bool isNull() const { return !value.IsDefined() || value.IsNull(); }
};

// A mapping whose keys were checked against the allowed set.
class YamlMap {
public:
  explicit YamlMap(Field self) : self_(std::move(self)) {}

  const Field& self() const { return self_; }

  // The entry for `key` even when its value is null; nullptr when the key is absent.
  const Field* entry(std::string_view key) const;

  // The entry for `key` when it has a value; nullptr when absent or null. Scalar and list keys
  // use this: `key:` with nothing after it keeps the default.
  const Field* value(std::string_view key) const;

private:
  friend class YamlReader;

  Field self_;
  std::vector<std::pair<std::string, Field>> entries_;
};

template <typename T> struct EnumName {
  std::string_view name;
  T value;
};

class YamlReader {
public:
  YamlReader(std::string source, std::string base_dir);

  void error(const YAML::Mark& mark, std::string message);
  // Prefixes the message with the field's path (`listeners[0].address: ...`).
  void error(const Field& field, const std::string& message);
  void warn(const Field& field, const std::string& message);
  SourceMark sourceMark(const YAML::Mark& mark) const;

  // Opens a mapping: reports a wrong type, and each unknown or duplicated key (with the allowed
  // keys and the closest one). A null value reads as an empty mapping, so `health_check:` alone
  // means "on, with the defaults". nullopt when the value is not a mapping.
  std::optional<YamlMap> map(const Field& field, std::span<const std::string_view> allowed);

  // The items of a list, each with its path (`listeners[2]`). A wrong type is reported and gives
  // no items; null gives no items.
  std::vector<Field> list(const Field& field);

  // Reports `key` missing from `map`; true when it is present with a value.
  bool require(const YamlMap& map, std::string_view key);

  // The text of a scalar, or nullopt after reporting that `expected` was wanted.
  std::optional<std::string> scalar(const Field& field, std::string_view expected);

  // Readers of one value. Each returns true when it stored a good value.
  bool readString(const Field& field, std::string& out);
  bool readBool(const Field& field, bool& out);
  bool readUint(const Field& field, uint64_t& out, uint64_t min, uint64_t max);
  bool readUint32(const Field& field, uint32_t& out, uint32_t min, uint32_t max);
  bool readDuration(const Field& field, Duration& out, bool allow_zero);
  bool readSize(const Field& field, uint64_t& out, uint64_t min);
  bool readAddress(const Field& field, Address& out, PortRule rule);
  bool readStringList(const Field& field, std::vector<std::string>& out);

  // A path to a file that must exist and be readable (`what` names it: "certificate").
  // Relative paths resolve against the base directory; `out` is absolute.
  bool readFile(const Field& field, std::string& out, std::string_view what);

  // Each pattern of a list of file globs, expanded; a pattern matching no file is an error.
  bool readGlobs(const Field& field, std::vector<std::string>& out, std::string_view what);

  template <typename T>
  bool readEnum(const Field& field, T& out, std::span<const EnumName<T>> names);

  std::string resolvePath(std::string_view path) const;

  // Every error, in file order.
  std::vector<ConfigError> takeErrors();
  std::vector<std::string> takeWarnings() { return std::move(warnings_); }

private:
  void checkKeys(YamlMap& map, std::span<const std::string_view> allowed);
  bool checkFile(const Field& field, const std::string& path, std::string_view what);
  void reportBadEnum(const Field& field, const std::string& text,
                     std::span<const std::string_view> names);

  std::string source_;
  std::string base_dir_;
  std::vector<ConfigError> errors_;
  std::vector<std::string> warnings_;
};

template <typename T>
bool YamlReader::readEnum(const Field& field, T& out, std::span<const EnumName<T>> names) {
  auto text = scalar(field, "one of the listed values");
  if (!text) {
    return false;
  }
  std::vector<std::string_view> allowed;
  for (const auto& name : names) {
    if (name.name == *text) {
      out = name.value;
      return true;
    }
    allowed.push_back(name.name);
  }
  reportBadEnum(field, *text, allowed);
  return false;
}

} // namespace bulwark::config
