#include "rules/case_runner.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "common/strings.h"
#include "rules/normalize.h"

namespace bulwark::rules {
namespace {

std::string at(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

void readHeaders(const YAML::Node& node, RequestCase& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      out.headers.emplace_back(entry.first.as<std::string>(), entry.second.as<std::string>());
    }
    return;
  }
  for (const auto& pair : node) {
    if (!pair.IsSequence() || pair.size() != 2) {
      throw YAML::RepresentationException(pair.Mark(), "a header is [name, value]");
    }
    out.headers.emplace_back(pair[0].as<std::string>(), pair[1].as<std::string>());
  }
}

RequestCase readCase(const YAML::Node& node, size_t index) {
  static const std::vector<std::string> kKeys = {"name",       "method", "uri",         "protocol",
                                                 "headers",    "body",   "body_chunks", "sni",
                                                 "connection", "client", "expect"};
  RequestCase out;
  out.line = node.Mark().line + 1;
  out.name = fmt::format("case {}", index + 1);
  std::string unknown;
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      unknown += (unknown.empty() ? "'" : ", '") + key + "'";
    }
  }
  if (!unknown.empty()) {
    throw YAML::RepresentationException(
        node.Mark(), "unknown key(s) " + unknown + "; a case has: name, method, uri, protocol, "
                     "headers, body, body_chunks, sni, connection, client, expect");
  }
  if (node["name"])
    out.name = node["name"].as<std::string>();
  if (node["method"])
    out.method = node["method"].as<std::string>();
  if (node["uri"])
    out.uri = node["uri"].as<std::string>();
  if (node["protocol"])
    out.protocol = node["protocol"].as<std::string>();
  if (node["headers"])
    readHeaders(node["headers"], out);
  if (node["body"])
    out.body = node["body"].as<std::string>();
  if (node["body_chunks"])
    out.body_chunks = node["body_chunks"].as<std::vector<size_t>>();
  if (node["sni"])
    out.sni = node["sni"].as<std::string>();
  if (node["connection"])
    out.connection = node["connection"].as<std::string>();
  if (node["client"])
    out.client = node["client"].as<std::string>();
  if (!node["expect"]) {
    throw YAML::RepresentationException(node.Mark(), "a case needs 'expect' (a list of sids)");
  }
  out.expect = node["expect"].as<std::vector<uint32_t>>();
  std::sort(out.expect.begin(), out.expect.end());
  return out;
}

CaseGroup readGroup(const YAML::Node& node, const std::string& file,
                    std::vector<std::string>& errors) {
  CaseGroup group;
  if (!node.IsMap() || !node["cases"]) {
    errors.push_back(at(file, node) + ": expected a map with 'cases'");
    return group;
  }
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>("");
    if (key != "cases" && key != "rules") {
      errors.push_back(at(file, entry.first) + ": unknown key '" + key +
                       "' (a group has 'rules' and 'cases')");
    }
  }
  if (node["rules"]) {
    group.rules_text = node["rules"].as<std::string>();
    group.rules_line = node["rules"].Mark().line + 1;
  }
  size_t index = 0;
  for (const auto& item : node["cases"]) {
    try {
      group.cases.push_back(readCase(item, index++));
    } catch (const YAML::Exception& e) {
      errors.push_back(
          fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
  }
  return group;
}

// Splits the target into path and query, and normalises the path as the proxy does.
struct BuiltRequest {
  std::string normalized;
  std::string host;
  std::vector<HeaderField> fields;
  RequestView view;
};

std::string buildRequest(const RequestCase& request_case, BuiltRequest& out) {
  std::string note;
  const std::string_view target = request_case.uri;
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  NormalizedPath normalized;
  const auto verdict = normalizePath(path, normalized);
  if (verdict == PathVerdict::Ok) {
    out.normalized = normalized.path;
  } else {
    out.normalized = std::string(path);
    note = fmt::format("path does not normalise ({}), the proxy would answer 400",
                       pathVerdictName(verdict));
  }
  for (const auto& [name, value] : request_case.headers) {
    out.fields.push_back({name, value});
    if (iequals(name, "host")) {
      out.host = normalizeHost(value);
    }
  }
  auto& view = out.view;
  view.method = request_case.method;
  view.target = target;
  view.normalized_path = out.normalized;
  view.query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  view.protocol = request_case.protocol;
  view.host = out.host;
  view.headers = out.fields;
  view.sni = request_case.sni;
  view.path_anomalies = normalized.anomalies;
  if (!request_case.client.empty()) {
    const auto client = IpAddress::parse(request_case.client);
    if (!client) {
      return "client '" + request_case.client + "' is not an IP address";
    }
    for (int i = 0; i < 8; ++i) {
      view.client.address[i] = static_cast<uint8_t>(client->high >> (56 - 8 * i));
      view.client.address[8 + i] = static_cast<uint8_t>(client->low >> (56 - 8 * i));
    }
  }
  return note;
}

void feedBody(Inspector& inspector, const RequestCase& request_case, const RequestView& view,
              FlowState& flow, RequestInspection& state) {
  std::string_view body = request_case.body;
  for (const auto size : request_case.body_chunks) {
    if (body.empty() || state.finished()) {
      break;
    }
    const auto chunk = body.substr(0, std::min(size, body.size()));
    body.remove_prefix(chunk.size());
    inspector.inspectBody(view, flow, chunk, body.empty(), state);
  }
  if (!state.finished() && (!body.empty() || request_case.body_chunks.empty())) {
    inspector.inspectBody(view, flow, body, true, state);
  }
}

} // namespace

CaseFile parseCaseText(const std::string& text, const std::string& file_name) {
  CaseFile out;
  out.file = file_name;
  try {
    const auto root = YAML::Load(text);
    if (root.IsSequence()) {
      for (const auto& group : root) {
        out.groups.push_back(readGroup(group, file_name, out.errors));
      }
    } else {
      out.groups.push_back(readGroup(root, file_name, out.errors));
    }
  } catch (const YAML::Exception& e) {
    out.errors.push_back(
        fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  return out;
}

CaseFile loadCaseFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    CaseFile out;
    out.file = path;
    out.errors.push_back(path + ": cannot read the file");
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseCaseText(text.str(), path);
}

std::vector<CaseOutcome> runCases(const std::shared_ptr<const SignatureSet>& rules,
                                  const std::vector<RequestCase>& cases,
                                  const InspectorOptions& options) {
  Inspector inspector(options);
  std::map<std::string, FlowState> flows;
  std::vector<CaseOutcome> outcomes;
  for (const auto& request_case : cases) {
    CaseOutcome outcome;
    outcome.request_case = &request_case;
    BuiltRequest built;
    outcome.note = buildRequest(request_case, built);
    FlowState own_flow;
    auto& flow = request_case.connection.empty() ? own_flow : flows[request_case.connection];

    RequestInspection state;
    if (!request_case.sni.empty()) {
      inspector.inspectHandshake(rules, request_case.sni, {}, {}, state);
    }
    if (!state.finished()) {
      RequestInspection request_state;
      inspector.inspectHeaders(rules, built.view, flow, request_state);
      if (!request_state.finished() && !request_case.body.empty()) {
        feedBody(inspector, request_case, built.view, flow, request_state);
      }
      for (const auto& hit : request_state.hits()) {
        outcome.fired.push_back(rules->rules()[hit.rule].signature.sid);
      }
      outcome.decision = std::max(state.decision(), request_state.decision());
    } else {
      outcome.decision = state.decision();
    }
    for (const auto& hit : state.hits()) {
      outcome.fired.push_back(rules->rules()[hit.rule].signature.sid);
    }
    std::sort(outcome.fired.begin(), outcome.fired.end());
    outcome.fired.erase(std::unique(outcome.fired.begin(), outcome.fired.end()),
                        outcome.fired.end());
    outcome.ok = outcome.fired == request_case.expect;
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

std::string describeMismatch(const CaseOutcome& outcome, const std::string& file) {
  const auto& request_case = *outcome.request_case;
  auto text = fmt::format("{}:{}: {}: expected [{}] fired [{}] (decision {})", file,
                          request_case.line, request_case.name, fmt::join(request_case.expect, ","),
                          fmt::join(outcome.fired, ","), decisionName(outcome.decision));
  if (!outcome.note.empty()) {
    text += "; " + outcome.note;
  }
  return text;
}

int runRuleTests(const std::vector<std::string>& rule_paths, const std::string& cases_path,
                 std::ostream& out) {
  const auto file = loadCaseFile(cases_path);
  for (const auto& error : file.errors) {
    out << error << "\n";
  }
  size_t total = 0;
  size_t failed = 0;
  bool load_errors = !file.errors.empty();
  for (const auto& group : file.groups) {
    auto loaded = rule_paths.empty() ? RuleFileResult{} : loadRuleFiles(rule_paths, ParseOptions{});
    if (!group.rules_text.empty()) {
      auto inline_rules = parseRules(
          group.rules_text, fmt::format("{}:{}", cases_path, group.rules_line), ParseOptions{});
      std::move(inline_rules.signatures.begin(), inline_rules.signatures.end(),
                std::back_inserter(loaded.signatures));
      std::move(inline_rules.problems.begin(), inline_rules.problems.end(),
                std::back_inserter(loaded.problems));
    }
    auto set = SignatureSet::compile(std::move(loaded.signatures), {}, loaded.problems);
    for (const auto& problem : loaded.problems) {
      if (problem.severity == RuleProblem::Severity::Error) {
        out << problem.toString() << "\n";
        load_errors = true;
      }
    }
    if (set == nullptr) {
      return 1;
    }
    for (const auto& outcome : runCases(set, group.cases, InspectorOptions{})) {
      ++total;
      if (!outcome.ok) {
        ++failed;
        out << describeMismatch(outcome, cases_path) << "\n";
      }
    }
  }
  out << fmt::format("{} case(s), {} passed, {} failed{}\n", total, total - failed, failed,
                     load_errors ? "; some rules or cases did not load" : "");
  return failed == 0 && !load_errors ? 0 : 1;
}

} // namespace bulwark::rules
