#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace bulwark::config {

// One problem found while loading a config: `file:line:column: message`.
struct ConfigError {
  SourceMark mark;
  std::string message;

  std::string toString() const;
};

struct LoadResult {
  Config config;                    // meaningful only when errors is empty
  std::vector<ConfigError> errors;  // every problem found, in file order
  std::vector<std::string> warnings;

  bool ok() const { return errors.empty(); }
};

// Loads and validates the YAML file at `path`. Never throws: a missing file, a YAML syntax error,
// an unknown key, a wrong type, a bad duration or size, a missing referenced file (certificate,
// key, CA, rule or list file), a duplicate name or a route to an unknown cluster or tenant each
// become one ConfigError; all of them are reported, not only the first.
LoadResult loadConfigFile(const std::string& path);

// Same, from text. `source_name` names it in errors; relative paths resolve against `base_dir`.
LoadResult loadConfigText(const std::string& text, const std::string& source_name,
                          const std::string& base_dir);

// The embedded default config (HTTPS on 127.0.0.1:8443 with a self-signed certificate, HTTP on
// 127.0.0.1:8080 redirecting to it, admin on 127.0.0.1:9901, a built-in demo upstream).
const std::string& embeddedDefaultConfigText();
LoadResult loadEmbeddedDefault();

}  // namespace bulwark::config
