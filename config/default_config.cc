// The config `bulwark run` uses when no -c is given. It must load with no file on disk, so it
// uses a self-signed certificate and the built-in demo upstream; it is also the sample users
// copy to start their own, hence the comments.

#include "config/loader.h"

namespace bulwark::config {

const std::string& embeddedDefaultConfigText() {
  static const std::string text = R"yaml(# Bulwark: the embedded default configuration.
#
# Copy this file, edit it, and run `bulwark run -c your.yaml`; check it first with
# `bulwark config check your.yaml`. Durations are written 250ms, 2s, 5m; sizes 16KiB, 1MiB.
# Relative paths are resolved against the directory of the config file.

# workers: 4                            # default: one per core

admin:
  address: 127.0.0.1:9901               # /ready, /healthz, /stats;
                                        # keep it on loopback: it has no authentication

listeners:
  - name: https
    address: 127.0.0.1:8443             # 0.0.0.0:8443 to accept from other machines
    tls:
      self_signed: true                 # a fresh certificate at each start; for production:
                                        # certificates: [{cert: tls/edge.crt, key: tls/edge.key}]
      hsts: "max-age=63072000; includeSubDomains"
    routes:                             # first match wins; matched after normalisation
      - path_prefix: /
        cluster: demo
  - name: http
    address: 127.0.0.1:8080
    redirect_to_https: 8443             # 308 to https, same host, path and query

clusters:
  - name: demo
    endpoints:
      - address: 127.0.0.1:9180         # the built-in demo upstream below

# A small web server inside Bulwark, so that the first run serves a page end to end.
# Remove it and point the cluster at your own web servers.
demo_upstream:
  address: 127.0.0.1:9180

logging:
  access_log: stdout                    # JSON lines; a path, stdout, stderr, or off
)yaml";
  return text;
}

LoadResult loadEmbeddedDefault() {
  return loadConfigText(embeddedDefaultConfigText(), "<embedded default>", ".");
}

} // namespace bulwark::config
