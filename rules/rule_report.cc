#include "rules/rule_report.h"

#include <string>
#include <type_traits>
#include <variant>

#include "rules/rule_options_internal.h"

namespace bulwark::rules {

namespace {

const char* transformName(Transform transform) {
  switch (transform) {
  case Transform::DotPrefix:
    return "dotprefix";
  case Transform::ToLowercase:
    return "to_lowercase";
  case Transform::UrlDecode:
    return "url_decode";
  case Transform::StripWhitespace:
    return "strip_whitespace";
  case Transform::CompressWhitespace:
    return "compress_whitespace";
  }
  return "unknown";
}

void appendPosition(std::string& out, const char* name, const std::optional<int32_t>& value) {
  if (value) {
    out += std::string(" ") + name + ":" + std::to_string(*value);
  }
}

std::string describeContent(const Content& c) {
  std::string out = c.negated ? "!content:\"" : "content:\"";
  out += detail::printable(c.pattern) + "\"";
  out += c.nocase ? " nocase" : "";
  out += c.startswith ? " startswith" : "";
  out += c.endswith ? " endswith" : "";
  appendPosition(out, "offset", c.offset);
  appendPosition(out, "depth", c.depth);
  appendPosition(out, "distance", c.distance);
  appendPosition(out, "within", c.within);
  if (c.fast_pattern_only) {
    out += " fast_pattern:only";
  } else if (c.fast_pattern_slice) {
    out += " fast_pattern:" + std::to_string(c.fast_pattern_slice->first) + "," +
           std::to_string(c.fast_pattern_slice->second);
  } else if (c.fast_pattern) {
    out += " fast_pattern";
  }
  return out;
}

std::string describePcre(const Pcre& p) {
  std::string flags;
  flags += p.caseless ? "i" : "";
  flags += p.dotall ? "s" : "";
  flags += p.multiline ? "m" : "";
  flags += p.extended ? "x" : "";
  flags += p.anchored ? "A" : "";
  flags += p.dollar_endonly ? "E" : "";
  flags += p.ungreedy ? "G" : "";
  flags += p.relative ? "R" : "";
  return std::string(p.negated ? "!" : "") + "pcre:\"/" + p.regex + "/" + flags + "\"";
}

std::string describeSize(const SizeCheck& s) {
  std::string lo = std::to_string(s.lo);
  switch (s.op) {
  case SizeCheck::Op::Eq:
    return "size:" + lo;
  case SizeCheck::Op::Lt:
    return "size:<" + lo;
  case SizeCheck::Op::Gt:
    return "size:>" + lo;
  case SizeCheck::Op::Le:
    return "size:<=" + lo;
  case SizeCheck::Op::Ge:
    return "size:>=" + lo;
  case SizeCheck::Op::Range:
    return "size:" + lo + "<>" + std::to_string(s.hi);
  }
  return "size:?";
}

std::string describeItem(const MatchItem& item) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Content>) {
          return describeContent(v);
        } else if constexpr (std::is_same_v<T, Pcre>) {
          return describePcre(v);
        } else if constexpr (std::is_same_v<T, SizeCheck>) {
          return describeSize(v);
        } else {
          return std::string("isdataat:") + (v.negated ? "!" : "") + std::to_string(v.position) +
                 (v.relative ? ",relative" : "");
        }
      },
      item);
}

std::string describeBuffers(const std::vector<BufferMatch>& buffers) {
  std::string out;
  for (const BufferMatch& b : buffers) {
    out += out.empty() ? "" : " | ";
    out += bufferName(b.buffer);
    for (Transform t : b.transforms) {
      out += std::string("|") + transformName(t);
    }
    out += "{";
    for (size_t i = 0; i < b.items.size(); ++i) {
      out += (i > 0 ? "; " : "") + describeItem(b.items[i]);
    }
    out += "}";
  }
  return out;
}

std::string describeFlowbits(const std::vector<Flowbit>& bits) {
  static constexpr const char* kOps[] = {"set", "isset", "isnotset", "unset", "toggle", "noalert"};
  std::string out;
  for (const Flowbit& bit : bits) {
    out += out.empty() ? "" : "; ";
    out += kOps[static_cast<size_t>(bit.op)];
    for (size_t i = 0; i < bit.names.size(); ++i) {
      out += i == 0 ? "," : (bit.any_of ? "|" : "&");
      out += bit.names[i];
    }
  }
  return out;
}

std::string describeAddresses(const AddressSpec& spec) {
  if (spec.ranges.empty()) {
    return "any";
  }
  std::string out;
  for (const auto& r : spec.ranges) {
    out += (out.empty() ? "" : ",") + std::string(r.negated ? "!" : "") + r.text;
  }
  return out;
}

std::string describePorts(const PortSpec& spec) {
  if (spec.ranges.empty()) {
    return "any";
  }
  std::string out;
  for (const auto& r : spec.ranges) {
    out += out.empty() ? "" : ",";
    out += r.negated ? "!" : "";
    out += std::to_string(r.lo);
    if (r.hi != r.lo) {
      out += ":" + std::to_string(r.hi);
    }
  }
  return out;
}

std::string describeTrack(Track track) {
  return track == Track::BySource ? "by_src" : "by_dst";
}

} // namespace

std::vector<std::pair<std::string, std::string>> signatureFields(const Signature& s) {
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("action", actionName(s.action));
  f.emplace_back("protocol", s.protocol);
  f.emplace_back("source", describeAddresses(s.source));
  f.emplace_back("source_ports", describePorts(s.source_ports));
  f.emplace_back("direction", s.bidirectional ? "<>" : "->");
  f.emplace_back("destination", describeAddresses(s.destination));
  f.emplace_back("destination_ports", describePorts(s.destination_ports));
  f.emplace_back("sid", std::to_string(s.sid));
  f.emplace_back("gid", std::to_string(s.gid));
  f.emplace_back("rev", std::to_string(s.rev));
  f.emplace_back("msg", s.msg);
  f.emplace_back("classtype", s.classtype);
  f.emplace_back("category", s.category);
  f.emplace_back("priority", std::to_string(s.priority));
  std::string references;
  for (const auto& r : s.references) {
    references += (references.empty() ? "" : "; ") + r;
  }
  f.emplace_back("references", references);
  std::string metadata;
  for (const auto& [key, value] : s.metadata) {
    metadata += (metadata.empty() ? "" : "; ") + key + "=" + value;
  }
  f.emplace_back("metadata", metadata);
  f.emplace_back("target", s.target);
  f.emplace_back("buffers", describeBuffers(s.buffers));
  f.emplace_back("flowbits", describeFlowbits(s.flowbits));
  std::string threshold;
  if (s.threshold) {
    static constexpr const char* kTypes[] = {"limit", "threshold", "both"};
    threshold = std::string(kTypes[static_cast<size_t>(s.threshold->type)]) + "," +
                describeTrack(s.threshold->track) + "," + std::to_string(s.threshold->count) + "," +
                std::to_string(s.threshold->seconds);
  }
  f.emplace_back("threshold", threshold);
  std::string filter;
  if (s.detection_filter) {
    filter = describeTrack(s.detection_filter->track) + "," +
             std::to_string(s.detection_filter->count) + "," +
             std::to_string(s.detection_filter->seconds);
  }
  f.emplace_back("detection_filter", filter);
  return f;
}

std::string describeSignature(const Signature& signature) {
  std::string out = "sid:" + std::to_string(signature.sid) + " " + actionName(signature.action) +
                    " " + signature.protocol + " buffers=" + describeBuffers(signature.buffers);
  if (!signature.flowbits.empty()) {
    out += " flowbits=" + describeFlowbits(signature.flowbits);
  }
  return out;
}

RuleLoadSummary summarizeRuleLoad(const RuleFileResult& result) {
  RuleLoadSummary summary;
  summary.files = result.files;
  summary.rules_seen = result.rules_seen;
  summary.loaded = result.signatures.size();
  summary.disabled = result.disabled;
  for (const RuleProblem& p : result.problems) {
    if (p.severity == RuleProblem::Severity::Error) {
      ++summary.errors;
      ++summary.errors_by_reason[p.reason];
    } else {
      ++summary.unsupported;
      ++summary.unsupported_by_reason[p.reason];
    }
  }
  return summary;
}

int ruleCheckExitCode(const RuleFileResult& result, bool strict) {
  RuleLoadSummary summary = summarizeRuleLoad(result);
  return summary.errors > 0 || (strict && summary.unsupported > 0) ? 1 : 0;
}

void writeRuleReport(std::ostream& out, const RuleFileResult& result, RuleReportDetail detail,
                     bool strict) {
  for (const RuleProblem& problem : result.problems) {
    out << problem.toString() << "\n";
  }
  if (detail == RuleReportDetail::WithLoaded) {
    for (const Signature& s : result.signatures) {
      out << s.file << ":" << s.line << ": loaded " << describeSignature(s) << "\n";
    }
  }

  RuleLoadSummary summary = summarizeRuleLoad(result);
  out << "files: " << summary.files << "\n"
      << "rules seen: " << summary.rules_seen << " (plus " << summary.disabled
      << " commented out)\n"
      << "loaded: " << summary.loaded << "\n"
      << "unsupported: " << summary.unsupported << "\n";
  for (const auto& [reason, count] : summary.unsupported_by_reason) {
    out << "  " << reason << ": " << count << "\n";
  }
  out << "errors: " << summary.errors << "\n";
  for (const auto& [reason, count] : summary.errors_by_reason) {
    out << "  " << reason << ": " << count << "\n";
  }
  if (summary.errors > 0) {
    out << "result: failed (" << summary.errors << " errors)\n";
  } else if (strict && summary.unsupported > 0) {
    out << "result: failed (--strict and " << summary.unsupported << " unsupported rules)\n";
  } else {
    out << "result: ok\n";
  }
}

} // namespace bulwark::rules
