#!/usr/bin/env bash
# Side-by-side throughput of TLS-terminating reverse proxies on this machine: Bulwark, HAProxy and
# nginx, each in front of the same nginx upstream serving a ~100-byte page, measured in the same
# run with wrk over HTTPS keep-alive. Rounds alternate between the proxies so drift cancels.
#
#   bench/proxy_compare.sh [BULWARK_BINARY]
# Environment: ROUNDS (default 2), DURATION (wrk -d, default 10s), CONNECTIONS (default 64),
# PROXY_THREADS (worker threads/processes of every proxy, default 2).
# Needs: nginx, haproxy, wrk, openssl (scripts/install-deps.sh --test installs them).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bulwark="${1:-$root/build/bulwark}"
rounds="${ROUNDS:-2}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-64}"
threads="${PROXY_THREADS:-2}"
work="$(mktemp -d)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  exit 1
}

# One ECDSA P-256 certificate for every proxy.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat "$work/cert.pem" "$work/key.pem" > "$work/haproxy.pem"

upstream_port=$(free_port)
mkdir -p "$work/www" "$work/upstream"
head -c 100 /dev/zero | tr '\0' 'b' > "$work/www/index.html"
cat > "$work/upstream/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $work/upstream/nginx.pid;
error_log $work/upstream/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/upstream; proxy_temp_path $work/upstream;
  fastcgi_temp_path $work/upstream; uwsgi_temp_path $work/upstream; scgi_temp_path $work/upstream;
  server { listen 127.0.0.1:$upstream_port; root $work/www; }
}
CONF
nginx -p "$work/upstream" -c "$work/upstream/nginx.conf" & pids+=($!)
wait_port "$upstream_port"

start_bulwark() {
  local port=$1 admin
  admin=$(free_port)
  cat > "$work/bulwark.yaml" <<CONF
workers: $threads
admin: {address: 127.0.0.1:$admin}
listeners:
  - name: https
    address: 127.0.0.1:$port
    tls: {certificates: [{cert: $work/cert.pem, key: $work/key.pem}]}
    routes: [{path_prefix: /, cluster: web}]
clusters:
  - name: web
    endpoints: [{address: 127.0.0.1:$upstream_port}]
logging: {level: warn, access_log: "off"}
CONF
  "$bulwark" run -c "$work/bulwark.yaml" 2>"$work/bulwark.log" & pids+=($!)
}

start_haproxy() {
  local port=$1
  cat > "$work/haproxy.cfg" <<CONF
global
  nbthread $threads
  ssl-default-bind-options ssl-min-ver TLSv1.2
  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 30s
  option http-keep-alive
  http-reuse always
frontend https
  bind 127.0.0.1:$port ssl crt $work/haproxy.pem alpn http/1.1
  default_backend web
backend web
  server s1 127.0.0.1:$upstream_port
CONF
  haproxy -f "$work/haproxy.cfg" -db 2>"$work/haproxy.log" & pids+=($!)
}

start_nginx_proxy() {
  local port=$1
  mkdir -p "$work/nginx-proxy"
  cat > "$work/nginx-proxy/nginx.conf" <<CONF
daemon off; worker_processes $threads; pid $work/nginx-proxy/nginx.pid;
error_log $work/nginx-proxy/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/nginx-proxy; proxy_temp_path $work/nginx-proxy;
  fastcgi_temp_path $work/nginx-proxy; uwsgi_temp_path $work/nginx-proxy;
  scgi_temp_path $work/nginx-proxy;
  upstream web { server 127.0.0.1:$upstream_port; keepalive 128; }
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://web; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
  nginx -p "$work/nginx-proxy" -c "$work/nginx-proxy/nginx.conf" 2>/dev/null & pids+=($!)
}

measure() {
  local name=$1 starter=$2 port pid out rps p99
  port=$(free_port)
  "$starter" "$port"
  pid=${pids[-1]}
  wait_port "$port"
  curl -skf "https://127.0.0.1:$port/index.html" -o /dev/null
  out=$(wrk -t1 -c"$connections" -d"$duration" --latency "https://127.0.0.1:$port/index.html")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$name $rps $p99"
}

results="$work/results.txt"
for round in $(seq "$rounds"); do
  for proxy in bulwark haproxy nginx; do
    case $proxy in
      bulwark) line=$(measure bulwark start_bulwark) ;;
      haproxy) line=$(measure haproxy start_haproxy) ;;
      nginx) line=$(measure nginx start_nginx_proxy) ;;
    esac
    echo "round $round: $line" >&2
    echo "$line" >> "$results"
  done
done

echo
printf '%-10s %14s %14s\n' proxy "best req/s" "p99 (best run)"
for proxy in bulwark haproxy nginx; do
  sort -k2 -n -r <(grep "^$proxy " "$results") | head -1 |
    awk '{printf "%-10s %14.0f %14s\n", $1, $2, $3}'
done
