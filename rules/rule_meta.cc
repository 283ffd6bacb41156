// Keywords about the rule rather than the bytes: msg, sid, rev, gid, classtype, reference,
// priority, metadata, target, flow, flowbits, threshold, detection_filter.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule_options_internal.h"

namespace bulwark::rules::detail {

namespace {

// Splits at `separator`, trimming each part. An empty text gives no parts.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    size_t end = text.find(separator);
    parts.push_back(trim(text.substr(0, end)));
    if (end == std::string_view::npos) {
      break;
    }
    text = text.substr(end + 1);
  }
  return parts;
}

// msg:"..." loses its quotes and backslash escapes.
std::string unescapeMessage(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      ++i;
    }
    out += value[i];
  }
  return out;
}

std::optional<Track> parseTrack(std::string_view value) {
  if (value == "by_src") {
    return Track::BySource;
  }
  if (value == "by_dst") {
    return Track::ByDestination;
  }
  return std::nullopt;
}

// The fields threshold and detection_filter share: "type limit, track by_src, count 1, ...".
struct ThresholdFields {
  std::string_view type;
  std::string_view track;
  std::optional<uint64_t> count;
  std::optional<uint64_t> seconds;
  std::string bad; // the first part that did not parse
};

ThresholdFields parseThresholdFields(std::string_view value) {
  ThresholdFields fields;
  for (std::string_view part : split(value, ',')) {
    size_t space = part.find_first_of(" \t");
    std::string_view key = part.substr(0, space);
    std::string_view arg = space == std::string_view::npos ? "" : trim(part.substr(space));
    if (key == "type") {
      fields.type = arg;
    } else if (key == "track") {
      fields.track = arg;
    } else if (key == "count") {
      fields.count = parseUnsigned(arg, UINT32_MAX);
    } else if (key == "seconds") {
      fields.seconds = parseUnsigned(arg, UINT32_MAX);
    } else if (fields.bad.empty()) {
      fields.bad = std::string(part);
    }
  }
  return fields;
}

} // namespace

std::optional<uint32_t> OptionParser::number(std::string_view keyword,
                                             std::optional<std::string_view> value, uint64_t max) {
  auto n = value ? parseUnsigned(*value, max) : std::nullopt;
  if (!n) {
    issues_.error("syntax", std::string(keyword) + ":" + std::string(value.value_or("")) +
                                " is not a number up to " + std::to_string(max));
    return std::nullopt;
  }
  return static_cast<uint32_t>(*n);
}

void OptionParser::meta(std::string_view name, std::optional<std::string_view> value) {
  if (name == "sid") {
    auto sid = number(name, value, UINT32_MAX);
    if (sid && *sid == 0) {
      issues_.error("syntax", "sid:0 is not a valid sid");
    }
    if (sid_seen_) {
      issues_.error("syntax", "sid given twice");
    }
    sid_seen_ = true;
    sig_.sid = sid.value_or(0);
  } else if (name == "rev") {
    sig_.rev = number(name, value, UINT32_MAX).value_or(0);
  } else if (name == "gid") {
    sig_.gid = number(name, value, UINT32_MAX).value_or(1);
  } else if (name == "priority") {
    sig_.priority = number(name, value, 255).value_or(3);
    explicit_priority_ = true;
  } else if (!value) {
    issues_.error("syntax", std::string(name) + " needs a value");
  } else if (name == "msg") {
    std::string_view text = *value;
    if (text.front() == '"' &&
        (text.size() < 2 || text.back() != '"' || escapedAt(text, text.size() - 1))) {
      issues_.error("syntax", "msg:" + std::string(text) + ": unterminated quote");
    }
    sig_.msg = unescapeMessage(text);
  } else if (name == "classtype") {
    classtype(*value);
  } else if (name == "reference") {
    if (value->find(',') == std::string_view::npos) {
      issues_.error("syntax", "reference:" + std::string(*value) + " is not type,value");
    }
    sig_.references.emplace_back(*value);
  } else if (name == "metadata") {
    for (std::string_view entry : split(*value, ',')) {
      size_t space = entry.find_first_of(" \t");
      sig_.metadata.emplace_back(
          std::string(entry.substr(0, space)),
          space == std::string_view::npos ? std::string() : std::string(trim(entry.substr(space))));
    }
  } else if (name == "target") {
    if (*value != "src_ip" && *value != "dest_ip") {
      issues_.error("syntax", "target:" + std::string(*value) + " is not src_ip or dest_ip");
    }
    sig_.target = std::string(*value);
  }
}

void OptionParser::classtype(std::string_view value) {
  sig_.classtype = std::string(value);
  if (options_.classifications == nullptr) {
    return;
  }
  auto it = options_.classifications->find(sig_.classtype);
  if (it == options_.classifications->end()) {
    issues_.error("unknown_classtype",
                  "classtype:" + sig_.classtype + " is not in classification.config");
    return;
  }
  sig_.category = it->second.description;
  class_priority_ = it->second.priority;
}

void OptionParser::flow(std::optional<std::string_view> value) {
  if (!value) {
    issues_.error("syntax", "flow needs a value");
    return;
  }
  for (std::string_view token : split(*value, ',')) {
    Direction direction = Direction::Unknown;
    if (token == "to_server" || token == "from_client") {
      direction = Direction::ToServer;
    } else if (token == "to_client" || token == "from_server") {
      direction = Direction::ToClient;
    } else if (token == "not_established") {
      issues_.unsupported("packet_keyword",
                          "flow:not_established never holds for a parsed HTTP request");
    } else if (token != "established" && token != "stateless" && token != "only_stream" &&
               token != "no_stream" && token != "only_frag" && token != "no_frag") {
      issues_.error("syntax", "flow:" + std::string(token) + " is not a flow option");
      return;
    }
    if (direction == Direction::Unknown) {
      continue;
    }
    if (direction_ != Direction::Unknown && direction_ != direction) {
      issues_.error("syntax", "flow gives both directions");
      return;
    }
    direction_ = direction;
    direction_token_ = std::string(token);
  }
}

void OptionParser::flowbits(std::optional<std::string_view> value) {
  static constexpr std::pair<std::string_view, Flowbit::Op> kOps[] = {
      {"set", Flowbit::Op::Set},           {"isset", Flowbit::Op::IsSet},
      {"isnotset", Flowbit::Op::IsNotSet}, {"unset", Flowbit::Op::Unset},
      {"toggle", Flowbit::Op::Toggle},     {"noalert", Flowbit::Op::NoAlert}};
  std::string_view text = value.value_or("");
  size_t comma = text.find(',');
  std::string_view op_name = trim(text.substr(0, comma));
  std::string_view names = comma == std::string_view::npos ? "" : trim(text.substr(comma + 1));

  Flowbit bit;
  auto op = std::find_if(std::begin(kOps), std::end(kOps),
                         [op_name](const auto& entry) { return entry.first == op_name; });
  if (op == std::end(kOps)) {
    issues_.error("syntax", "flowbits:" + std::string(text) + ": unknown operation");
    return;
  }
  bit.op = op->second;
  if ((bit.op == Flowbit::Op::NoAlert) != names.empty()) {
    issues_.error("syntax", "flowbits:" + std::string(text) +
                                (names.empty() ? ": needs a name" : ": noalert takes no name"));
    return;
  }

  // "a|b" is any of, "a&b" all of; mixing them has no meaning.
  bool any = names.find('|') != std::string_view::npos;
  bool all = names.find('&') != std::string_view::npos;
  if (any && all) {
    issues_.error("syntax", "flowbits:" + std::string(text) + " mixes '|' and '&'");
    return;
  }
  bit.any_of = any;
  for (std::string_view name : split(names, any ? '|' : '&')) {
    if (name.empty() || name.find_first_of(" \t,") != std::string_view::npos) {
      issues_.error("syntax", "flowbits:" + std::string(text) + ": bad name");
      return;
    }
    bit.names.emplace_back(name);
  }
  sig_.flowbits.push_back(std::move(bit));
}

void OptionParser::threshold(std::optional<std::string_view> value) {
  ThresholdFields f = parseThresholdFields(value.value_or(""));
  Threshold t;
  auto track = parseTrack(f.track);
  if (f.type == "limit") {
    t.type = Threshold::Type::Limit;
  } else if (f.type == "threshold") {
    t.type = Threshold::Type::Threshold;
  } else if (f.type == "both") {
    t.type = Threshold::Type::Both;
  } else {
    f.bad = "type " + std::string(f.type);
  }
  if (!f.bad.empty() || !f.count || !f.seconds || f.track.empty()) {
    issues_.error("syntax", "threshold:" + std::string(value.value_or("")) +
                                ": needs type limit|threshold|both, track, count and seconds");
    return;
  }
  if (!track) {
    issues_.unsupported("unsupported_keyword",
                        "threshold track " + std::string(f.track) + " (by_src, by_dst only)");
    return;
  }
  t.track = *track;
  t.count = static_cast<uint32_t>(*f.count);
  t.seconds = static_cast<uint32_t>(*f.seconds);
  sig_.threshold = t;
}

void OptionParser::detectionFilter(std::optional<std::string_view> value) {
  ThresholdFields f = parseThresholdFields(value.value_or(""));
  if (!f.bad.empty() || !f.type.empty() || !f.count || !f.seconds || f.track.empty()) {
    issues_.error("syntax", "detection_filter:" + std::string(value.value_or("")) +
                                ": needs track, count and seconds");
    return;
  }
  auto track = parseTrack(f.track);
  if (!track) {
    issues_.unsupported("unsupported_keyword", "detection_filter track " + std::string(f.track) +
                                                   " (by_src, by_dst only)");
    return;
  }
  sig_.detection_filter =
      DetectionFilter{*track, static_cast<uint32_t>(*f.count), static_cast<uint32_t>(*f.seconds)};
}

} // namespace bulwark::rules::detail
