#include "rules/rule_set.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "rules/content_hash.h"

namespace bulwark::rules {
namespace {

// The content hash covers each file as it was read: its path, then its bytes.
void addFile(ContentHash& hash, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  hash.add(path);
  hash.add(content.str());
}

// One list's match, folded into the running verdict. True when the list checks end here.
bool applyListMatch(config::ListAction action, std::string_view file, uint32_t line,
                    ListVerdict& verdict) {
  if (action == config::ListAction::Allow) {
    verdict.decision = Decision::Pass;
    verdict.file = file;
    verdict.line = line;
    return true;
  }
  const auto decision = decisionFor(action);
  if (decision > verdict.decision) {
    verdict.decision = decision;
    verdict.file = file;
    verdict.line = line;
  }
  return decision == Decision::Reject || decision == Decision::Drop;
}

void finishAllowCheck(bool allow_lists, bool allowed, ListVerdict& verdict) {
  if (allow_lists && !allowed && verdict.decision < Decision::Reject) {
    verdict.decision = Decision::Reject;
    verdict.not_allowed = true;
    verdict.file = {};
    verdict.line = 0;
  }
}

ListVerdict checkDomainLists(const std::vector<RuleSet::DomainList>& lists, std::string_view name,
                             bool sni) {
  ListVerdict verdict;
  bool allow_lists = false;
  bool allowed = false;
  for (const auto& list : lists) {
    if (sni ? !list.on_sni : !list.on_host) {
      continue;
    }
    const bool allow = list.action == config::ListAction::Allow;
    allow_lists = allow_lists || allow;
    const auto* entry = list.set.match(name);
    if (entry == nullptr) {
      continue;
    }
    allowed = allowed || allow;
    if (applyListMatch(list.action, list.file, entry->line, verdict)) {
      break;
    }
  }
  finishAllowCheck(allow_lists, allowed, verdict);
  return verdict;
}

} // namespace

Decision decisionFor(config::ListAction action) noexcept {
  switch (action) {
  case config::ListAction::Reject:
    return Decision::Reject;
  case config::ListAction::Drop:
    return Decision::Drop;
  case config::ListAction::Alert:
    return Decision::Alert;
  case config::ListAction::Allow:
    return Decision::Pass;
  }
  return Decision::Pass;
}

ListVerdict RuleSet::checkIp(const IpAddress& client) const noexcept {
  ListVerdict verdict;
  bool allow_lists = false;
  bool allowed = false;
  for (const auto& list : ip_lists) {
    const bool allow = list.action == config::ListAction::Allow;
    allow_lists = allow_lists || allow;
    if (!list.set.contains(client)) {
      continue;
    }
    allowed = allowed || allow;
    if (applyListMatch(list.action, list.file, 0, verdict)) {
      break;
    }
  }
  finishAllowCheck(allow_lists, allowed, verdict);
  return verdict;
}

ListVerdict RuleSet::checkSni(std::string_view sni) const noexcept {
  return checkDomainLists(domain_lists, sni, true);
}

ListVerdict RuleSet::checkHost(std::string_view host) const noexcept {
  return checkDomainLists(domain_lists, host, false);
}

ListVerdict RuleSet::checkUrl(std::string_view normalized_path,
                              std::string_view query) const noexcept {
  ListVerdict verdict;
  bool allow_lists = false;
  bool allowed = false;
  for (const auto& list : url_lists) {
    const bool allow = list.action == config::ListAction::Allow;
    allow_lists = allow_lists || allow;
    const auto match = list.set.match(normalized_path, query);
    if (match.status == UrlMatchStatus::Error) {
      verdict.scan_error = true;
      continue;
    }
    if (match.status != UrlMatchStatus::Match) {
      continue;
    }
    allowed = allowed || allow;
    if (applyListMatch(list.action, list.file, match.entry->line, verdict)) {
      break;
    }
  }
  finishAllowCheck(allow_lists, allowed, verdict);
  return verdict;
}

InspectorOptions inspectorOptions(const config::Inspection& inspection) {
  InspectorOptions options;
  options.detect_only = inspection.mode == config::InspectionMode::Detect;
  options.fail_open_on_scan_error = inspection.on_scan_error == config::ScanErrorPolicy::FailOpen;
  options.body_inspection_limit = inspection.body_inspection_limit;
  options.body_over_limit = inspection.body_over_limit == config::BodyOverLimit::Reject
                                ? BodyOverLimit::Reject
                                : BodyOverLimit::InspectPrefix;
  return options;
}

RuleSetLoad loadRuleSet(const config::Inspection& inspection, uint64_t version) {
  const auto started = std::chrono::steady_clock::now();
  RuleSetLoad load;
  auto set = std::make_shared<RuleSet>();
  set->version = version;
  ContentHash hasher;

  ParseOptions parse_options;
  for (const auto& [name, value] : inspection.address_groups) {
    parse_options.variables.addresses[name] = value;
    hasher.add(name + "=" + value);
  }
  for (const auto& [name, value] : inspection.port_groups) {
    parse_options.variables.ports[name] = value;
    hasher.add(name + "=" + value);
  }
  auto parsed = loadRuleFiles(inspection.rules, parse_options);
  for (const auto& file : inspection.rules) {
    addFile(hasher, file);
  }
  // Sids the operator switched off (a noisy rule of a public set) are left out like commented-out
  // rules, and counted with them.
  const auto disabled = std::erase_if(parsed.signatures, [&](const Signature& signature) {
    return std::find(inspection.disabled_sids.begin(), inspection.disabled_sids.end(),
                     signature.sid) != inspection.disabled_sids.end();
  });
  for (const auto sid : inspection.disabled_sids) {
    hasher.add(fmt::format("disabled:{}", sid));
  }
  load.rules_seen = parsed.rules_seen;
  load.rules_disabled = parsed.disabled + disabled;
  load.rule_problems = std::move(parsed.problems);

  CompileOptions compile_options;
  compile_options.cache_dir = inspection.cache_dir;
  set->signatures =
      SignatureSet::compile(std::move(parsed.signatures), compile_options, load.rule_problems);
  for (const auto& problem : load.rule_problems) {
    if (problem.severity == RuleProblem::Severity::Unsupported) {
      ++load.unsupported[problem.reason];
    } else {
      ++load.errors;
    }
  }
  if (set->signatures == nullptr) {
    return load;
  }
  load.rules_loaded = set->signatures->rules().size();

  // Each list file is read once: the same bytes are hashed and loaded.
  const auto readList = [&](const std::string& path) {
    auto text = readListFile(path, load.list_problems);
    hasher.add(path);
    hasher.add(text.value_or(""));
    return text.value_or("");
  };
  for (const auto& list : inspection.domain_lists) {
    DomainListOptions options;
    options.bare_names = list.subdomains ? BareNames::WithSubdomains : BareNames::Exact;
    const auto text = readList(list.file);
    RuleSet::DomainList entry{list.file, list.action, false, false,
                              DomainSet::fromText(text, list.file, load.list_problems, options)};
    for (const auto where : list.match_on) {
      (where == config::MatchOn::Sni ? entry.on_sni : entry.on_host) = true;
    }
    hasher.add(list.subdomains ? "subdomains" : "exact");
    set->domain_lists.push_back(std::move(entry));
  }
  for (const auto& list : inspection.url_lists) {
    UrlListOptions options;
    options.letter_case = list.case_sensitive ? UrlCase::Sensitive : UrlCase::Insensitive;
    const auto text = readList(list.file);
    set->url_lists.push_back(
        {list.file, list.action, UrlSet::fromText(text, list.file, load.list_problems, options)});
    hasher.add(list.case_sensitive ? "case" : "nocase");
  }
  for (const auto& list : inspection.ip_lists) {
    const auto text = readList(list.file);
    set->ip_lists.push_back(
        {list.file, list.action, IpSet::fromText(text, list.file, load.list_problems)});
  }
  set->hash = hasher.hex();
  load.rule_set = std::move(set);
  load.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return load;
}

} // namespace bulwark::rules
