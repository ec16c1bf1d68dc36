#!/usr/bin/env bash
# Installs the Debian packages adapt-top needs, when missing. As root it runs apt-get; otherwise it names
# the packages and the command to install them, and fails.
set -euo pipefail

packages=(libxnnpack-dev libpthreadpool-dev libdnnl-dev libncurses-dev zlib1g-dev dataset-fashion-mnist tmux)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "adapt-top needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
