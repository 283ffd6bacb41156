#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bulwark {

// Parses a duration as written in config: an unsigned integer and a unit, `250ms`, `2s`, `5m`,
// `1h` (also `us` and `d`). No unit, a sign, a fraction or an overflow gives nullopt.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

// Formats a duration the way parseDuration reads it, in the largest exact unit (`90s`, `5m`).
std::string formatDuration(std::chrono::milliseconds d);

// Parses a size as written in config: an unsigned integer and an optional unit, `512`, `512B`,
// `16KiB`, `1MiB`, `2GiB` (binary), or `1KB`, `1MB`, `1GB` (decimal). Anything else is nullopt.
std::optional<uint64_t> parseSize(std::string_view text);

// Appends `text` to `out` as a JSON string literal, quotes included. Bytes that are not valid
// UTF-8 are written as \u00XX so the line stays valid JSON whatever a peer sent.
void appendJsonString(std::string& out, std::string_view text);

// Appends `,"name":value` to a JSON object being written (a string value escaped as above).
void appendJsonField(std::string& out, std::string_view name, std::string_view value);
void appendJsonField(std::string& out, std::string_view name, uint64_t value);

// ASCII case-insensitive comparisons (the web tier treats paths and hosts without regard to case).
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istartsWith(std::string_view text, std::string_view prefix) noexcept;
char asciiLower(char c) noexcept;
std::string toLowerAscii(std::string_view text);

}  // namespace bulwark
