// The bulwark command: run the gateway, check a config, print the version.
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <csignal>
#include <iostream>

#include "common/logging.h"
#include "common/version.h"
#include "config/loader.h"
#include "proxy/gateway.h"

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

  app.add_subcommand("version", "print the version");

  CLI11_PARSE(app, argc, argv);
  if (run->parsed()) {
    return runGateway(config_path);
  }
  if (check->parsed()) {
    return checkConfig(check_path);
  }
  std::cout << "bulwark " << bulwark::kVersion << "\n";
  return 0;
}
