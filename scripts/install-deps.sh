#!/usr/bin/env bash
# Installs the Debian 12 packages Bulwark builds, tests and benchmarks with.
# Usage: scripts/install-deps.sh [--test]   (--test adds the test-only peers: nginx, curl, ...)
# Runs apt-get as root, or through sudo when not root. Safe to run again.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
  libssl-dev openssl libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libre2-dev libpcre2-dev libidn2-dev libvectorscan-dev
  curl ca-certificates
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  nginx haproxy wrk python3
)

packages=("${build_packages[@]}")
if [[ "${1:-}" == "--test" ]]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
