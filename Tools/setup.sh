#!/usr/bin/env bash
# Installs the Debian packages Helsebro builds and runs with, if any is missing. Safe to run again.
# Usage: Tools/setup.sh [EXTRA-PACKAGE...]     (a tool that needs more, such as valgrind, names it)
set -euo pipefail
packages=(libmosquitto-dev mosquitto mosquitto-clients pkg-config libsqlite3-dev libssl-dev python3 python3-venv curl openssl postgresql "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
