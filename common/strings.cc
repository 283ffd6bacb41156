#include "common/strings.h"

#include <fmt/format.h>

#include <limits>

namespace bulwark {
namespace {

// Reads the leading decimal digits of `text`; nullopt when there are none or they overflow.
std::optional<uint64_t> leadingNumber(std::string_view text, size_t& used) {
  uint64_t value = 0;
  used = 0;
  while (used < text.size() && text[used] >= '0' && text[used] <= '9') {
    const uint64_t digit = static_cast<uint64_t>(text[used] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
    ++used;
  }
  if (used == 0) {
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> multiply(uint64_t value, uint64_t unit) {
  if (unit != 0 && value > std::numeric_limits<uint64_t>::max() / unit) {
    return std::nullopt;
  }
  return value * unit;
}

}  // namespace

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  size_t used = 0;
  auto number = leadingNumber(text, used);
  if (!number) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(used);
  std::optional<uint64_t> ms;
  if (unit == "us") {
    ms = *number / 1000;
  } else if (unit == "ms") {
    ms = *number;
  } else if (unit == "s") {
    ms = multiply(*number, 1000);
  } else if (unit == "m") {
    ms = multiply(*number, 60'000);
  } else if (unit == "h") {
    ms = multiply(*number, 3'600'000);
  } else if (unit == "d") {
    ms = multiply(*number, 86'400'000);
  }
  if (!ms || *ms > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(*ms));
}

std::string formatDuration(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) {
    return fmt::format("{}h", ms / 3'600'000);
  }
  if (ms != 0 && ms % 60'000 == 0) {
    return fmt::format("{}m", ms / 60'000);
  }
  if (ms != 0 && ms % 1000 == 0) {
    return fmt::format("{}s", ms / 1000);
  }
  return fmt::format("{}ms", ms);
}

std::optional<uint64_t> parseSize(std::string_view text) {
  size_t used = 0;
  auto number = leadingNumber(text, used);
  if (!number) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(used);
  if (unit.empty() || unit == "B") {
    return number;
  }
  if (unit == "KiB") {
    return multiply(*number, 1ULL << 10);
  }
  if (unit == "MiB") {
    return multiply(*number, 1ULL << 20);
  }
  if (unit == "GiB") {
    return multiply(*number, 1ULL << 30);
  }
  if (unit == "KB") {
    return multiply(*number, 1000);
  }
  if (unit == "MB") {
    return multiply(*number, 1000'000);
  }
  if (unit == "GB") {
    return multiply(*number, 1000'000'000);
  }
  return std::nullopt;
}

void appendJsonField(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  appendJsonString(out, value);
}

void appendJsonField(std::string& out, std::string_view name, uint64_t value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x80) {
      // Non-ASCII bytes are escaped one by one rather than validated as UTF-8: a log line must
      // stay valid JSON whatever bytes a client put in a header.
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

char asciiLower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

bool istartsWith(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string toLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = asciiLower(c);
  }
  return out;
}

}  // namespace bulwark
