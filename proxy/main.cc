// The bulwark command: run the gateway, check a config or rule files, print the version.
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <csignal>
#include <iostream>

#include "common/logging.h"
#include "common/version.h"
#include "config/loader.h"
#include "proxy/gateway.h"
#include "rules/rule_parser.h"
#include "rules/case_runner.h"
#include "rules/rule_report.h"
#include "rules/signature_set.h"

namespace {

void printErrors(const bulwark::config::LoadResult& result, const std::string& source) {
  for (const auto& error : result.errors) {
    std::cerr << error.toString() << "\n";
  }
  std::cerr << fmt::format("{} error(s) in {}\n", result.errors.size(), source);
}

int runGateway(const std::string& config_path) {
  auto loaded = config_path.empty() ? bulwark::config::loadEmbeddedDefault()
                                    : bulwark::config::loadConfigFile(config_path);
  if (!loaded.ok()) {
    printErrors(loaded, config_path.empty() ? "<embedded default>" : config_path);
    return 1;
  }
  bulwark::initLogging(loaded.config.logging.level);
  for (const auto& warning : loaded.warnings) {
    bulwark::log(bulwark::LogArea::Config).warn("{}", warning);
  }
  bulwark::log(bulwark::LogArea::Config)
      .info("config loaded source={}", config_path.empty() ? "<embedded default>" : config_path);

  // A client that goes away mid-write must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  bulwark::proxy::Gateway gateway(std::move(loaded.config));
  std::vector<std::string> errors;
  if (!gateway.start(errors)) {
    for (const auto& error : errors) {
      std::cerr << error << "\n";
    }
    std::cerr << "bulwark: not started\n";
    return 1;
  }
  return gateway.run();
}

int checkConfig(const std::string& path) {
  auto loaded = bulwark::config::loadConfigFile(path);
  if (!loaded.ok()) {
    printErrors(loaded, path);
    return 1;
  }
  for (const auto& warning : loaded.warnings) {
    std::cerr << "warning: " << warning << "\n";
  }
  std::cout << path << ": ok\n";
  return 0;
}

int checkRules(const std::vector<std::string>& paths, bool strict, bool verbose) {
  namespace rules = bulwark::rules;
  auto result = rules::loadRuleFiles(paths, rules::ParseOptions{});
  // Compiling finds what parsing cannot: a pcre that PCRE2 refuses, say.
  auto signatures = result.signatures;
  const size_t parse_problems = result.problems.size();
  rules::SignatureSet::compile(std::move(signatures), {}, result.problems);
  for (size_t i = parse_problems; i < result.problems.size(); ++i) {
    std::erase_if(result.signatures, [&](const auto& s) {
      return s.sid == result.problems[i].sid && s.file == result.problems[i].file &&
             s.line == result.problems[i].line;
    });
  }
  rules::writeRuleReport(
      std::cout, result,
      verbose ? rules::RuleReportDetail::WithLoaded : rules::RuleReportDetail::Problems, strict);
  return rules::ruleCheckExitCode(result, strict);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Bulwark: an edge security gateway"};
  app.require_subcommand(1);

  std::string config_path;
  auto* run = app.add_subcommand("run", "run the gateway (the embedded default without -c)");
  run->add_option("-c,--config", config_path, "YAML config file");

  auto* config = app.add_subcommand("config", "work with config files");
  config->require_subcommand(1);
  std::string check_path;
  auto* check = config->add_subcommand("check", "validate a config file; exit 1 on any error");
  check->add_option("FILE", check_path, "YAML config file")->required();

  auto* rules = app.add_subcommand("rules", "work with rule files");
  rules->require_subcommand(1);
  std::vector<std::string> rule_paths;
  bool strict = false;
  bool verbose = false;
  auto* rules_check = rules->add_subcommand(
      "check", "parse rule files and report what does not load; exit 1 on any error");
  rules_check->add_option("PATH", rule_paths, "rule file, directory or glob")->required();
  rules_check->add_flag("--strict", strict, "also exit 1 when a rule is unsupported");
  rules_check->add_flag("--verbose", verbose, "also list every loaded rule");

  std::vector<std::string> test_args;
  auto* rules_test = rules->add_subcommand(
      "test", "run the request cases of a YAML file against rule files; exit 1 on a mismatch");
  rules_test->add_option("ARGS", test_args, "RULES... CASES.yaml (rule files may be omitted "
                                            "when the cases carry their own rules)")
      ->required()
      ->expected(1, -1);

  app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);
  if (run->parsed()) {
    return runGateway(config_path);
  }
  if (check->parsed()) {
    return checkConfig(check_path);
  }
  if (rules_check->parsed()) {
    return checkRules(rule_paths, strict, verbose);
  }
  if (rules_test->parsed()) {
    const std::string cases = test_args.back();
    test_args.pop_back();
    return bulwark::rules::runRuleTests(test_args, cases, std::cout);
  }
  std::cout << "bulwark " << bulwark::kVersion << "\n";
  return 0;
}
