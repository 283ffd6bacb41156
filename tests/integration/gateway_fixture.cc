#include "tests/integration/gateway_fixture.h"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace bulwark::testing {

using namespace std::chrono_literals;

namespace json = boost::json;
namespace {

std::string scalarText(const json::value& value) {
  if (value.is_string()) {
    return std::string(value.as_string());
  }
  return json::serialize(value);
}

} // namespace

std::string bulwarkBinary() {
  return BULWARK_BINARY;
}

std::string AccessLine::get(const std::string& name) const {
  const auto found = fields.find(name);
  return found == fields.end() ? std::string() : found->second;
}

int64_t AccessLine::number(const std::string& name) const {
  try {
    return std::stoll(get(name));
  } catch (const std::exception&) {
    return -1;
  }
}

AccessLine findLine(const std::vector<AccessLine>& lines, const std::string& field,
                    const std::string& value) {
  for (const auto& line : lines) {
    if (line.get(field) == value) {
      return line;
    }
  }
  return {};
}

Gateway::Gateway(const TempDir& dir)
    : dir_(dir), admin_port_(freePort()), config_path_(dir.file("bulwark.yaml")),
      access_log_path_(dir.file("access.log")), alert_log_path_(dir.file("alerts.json")) {}

Gateway::~Gateway() = default;

bool Gateway::start(const std::string& yaml, std::string& error, Millis timeout) {
  const std::string text = fmt::format(
      "workers: 2\nadmin:\n  address: 127.0.0.1:{}\nlogging:\n  level: {}\n  access_log: {}\n"
      "  alert_log: {}\n{}",
      admin_port_, log_level, access_log_path_, alert_log_path_, yaml);
  dir_.write("bulwark.yaml", text);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{bulwarkBinary(), "run", "-c", config_path_}, dir_.path(), "bulwark",
      env_);

  const bool ready = eventually(
      [&] {
        if (!process_->running()) {
          return true;
        }
        const auto res = httpGet(admin_port_, "/ready", 1s);
        return res && res->status == 200;
      },
      timeout);
  if (ready && process_->running()) {
    return true;
  }
  error = fmt::format("gateway not ready (exit code {}); config:\n{}\noutput:\n{}",
                      process_->waitExit(0ms).value_or(-999), text, output());
  return false;
}

std::map<std::string, int64_t> Gateway::stats() const {
  std::map<std::string, int64_t> out;
  const auto res = httpGet(admin_port_, "/stats?format=json", 5s);
  if (!res || res->status != 200) {
    return out;
  }
  boost::system::error_code ec;
  const json::value parsed = json::parse(res->body, ec);
  if (ec || !parsed.is_object()) {
    return out;
  }
  for (const auto& [name, value] : parsed.as_object()) {
    if (value.is_int64()) {
      out[std::string(name)] = value.as_int64();
    } else if (value.is_uint64()) {
      out[std::string(name)] = static_cast<int64_t>(value.as_uint64());
    }
  }
  return out;
}

int64_t Gateway::stat(const std::string& name) const {
  const auto all = stats();
  const auto found = all.find(name);
  return found == all.end() ? -1 : found->second;
}

bool Gateway::waitForStat(const std::string& name, int64_t value, Millis timeout) const {
  return eventually([&] { return stat(name) >= value; }, timeout);
}

std::vector<AccessLine> Gateway::accessLog() const {
  std::ifstream in(access_log_path_);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<AccessLine> lines;
  for (const auto& line : splitLines(text.str())) {
    boost::system::error_code ec;
    const json::value parsed = json::parse(line, ec);
    AccessLine entry;
    if (ec || !parsed.is_object()) {
      entry.fields["unparsable"] = line;
    } else {
      for (const auto& [name, value] : parsed.as_object()) {
        entry.fields[std::string(name)] = scalarText(value);
      }
    }
    lines.push_back(std::move(entry));
  }
  return lines;
}

std::vector<std::string> Gateway::alertLines() const {
  std::ifstream in(alert_log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return splitLines(text.str());
}

std::vector<std::string> Gateway::waitForAlerts(size_t count, Millis timeout) const {
  std::vector<std::string> lines;
  eventually(
      [&] {
        lines = alertLines();
        return lines.size() >= count;
      },
      timeout);
  return lines;
}

std::vector<AccessLine> Gateway::waitForAccessLog(size_t count, Millis timeout) const {
  std::vector<AccessLine> lines;
  eventually(
      [&] {
        lines = accessLog();
        return lines.size() >= count;
      },
      timeout);
  return lines;
}

std::string Gateway::output() const {
  if (!process_) {
    return {};
  }
  return "--- stdout\n" + process_->readStdout() + "--- stderr\n" + process_->readStderr();
}

} // namespace bulwark::testing
