#include "tests/integration/nginx_fixture.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <unistd.h>

namespace bulwark::testing {

using namespace std::chrono_literals;

bool Nginx::available() {
  return ::access(kNginxBinary, X_OK) == 0;
}

Nginx::Nginx(const TempDir& dir, NginxOptions options)
    : options_(std::move(options)), root_(dir.file("nginx-" + options_.name)), port_(freePort()) {
  std::filesystem::create_directories(root_ + "/docroot");
  std::filesystem::create_directories(root_ + "/tmp");
}

Nginx::~Nginx() {
  if (process_) {
    process_->signal(SIGQUIT);
    process_->waitExit(2s);
  }
}

std::string Nginx::writeFile(const std::string& relative, std::string_view content) const {
  const std::filesystem::path path = docroot() + "/" + relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path.string();
}

std::string Nginx::configText() const {
  std::string tls;
  if (options_.tls) {
    tls = fmt::format("    ssl_certificate {};\n    ssl_certificate_key {};\n", options_.tls->cert,
                      options_.tls->key);
  }
  std::string slow;
  if (!options_.limit_rate.empty()) {
    slow = fmt::format("    location /slow/ {{ limit_rate {}; }}\n", options_.limit_rate);
  }
  // Every path nginx writes to is inside root_: it runs without touching /var or /run.
  return fmt::format(
      "daemon off;\nmaster_process off;\nworker_processes 1;\n"
      "pid {0}/nginx.pid;\nerror_log {0}/error.log warn;\n"
      "events {{ worker_connections 1024; }}\n"
      "http {{\n"
      "  log_format plain '$request_method $request_uri $status $body_bytes_sent "
      "$request_length';\n"
      "  access_log {0}/access.log plain;\n"
      "  client_body_temp_path {0}/tmp/body;\n  proxy_temp_path {0}/tmp/proxy;\n"
      "  fastcgi_temp_path {0}/tmp/fastcgi;\n  uwsgi_temp_path {0}/tmp/uwsgi;\n"
      "  scgi_temp_path {0}/tmp/scgi;\n"
      "  default_type application/octet-stream;\n  keepalive_requests 10000;\n"
      "  server {{\n"
      "    listen 127.0.0.1:{1}{2};\n    root {0}/docroot;\n{3}"
      "    location = /healthz {{ default_type text/plain; return 200 \"ok\\n\"; }}\n"
      "    location = /whoami {{ default_type text/plain; return 200 \"{4}\\n\"; }}\n"
      "{5}{6}\n"
      "  }}\n"
      "}}\n",
      root_, port_, options_.tls ? " ssl" : "", tls, options_.name, slow,
      options_.extra_server_config);
}

bool Nginx::start(std::string& error) {
  const std::string conf = root_ + "/nginx.conf";
  std::ofstream(conf) << configText();
  process_ = std::make_unique<Process>(
      std::vector<std::string>{kNginxBinary, "-p", root_, "-c", conf, "-e", root_ + "/error.log"},
      root_, "nginx");
  const bool up = eventually([&] { return !process_->running() || portAccepts(port_); }, 10s);
  if (up && process_->running()) {
    return true;
  }
  std::ifstream log(root_ + "/error.log");
  std::stringstream text;
  text << log.rdbuf();
  error = "nginx did not start on port " + std::to_string(port_) + ": " + text.str() +
          process_->readStderr();
  return false;
}

std::vector<std::string> Nginx::accessLogLines() const {
  std::ifstream log(root_ + "/access.log");
  std::stringstream text;
  text << log.rdbuf();
  return splitLines(text.str());
}

} // namespace bulwark::testing
