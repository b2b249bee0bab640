#!/usr/bin/env bash
# Debian packages the test suite needs: a Java runtime for the HermiT reasoner,
# a headless Chromium with its driver for the browser tests (tests/test_browser.py), and
# OpenLink Virtuoso 7.2 for the SPARQL store backend tests (tests/test_virtuoso_backend.py;
# the package's own service is not used: the test starts its own server on 127.0.0.1).
# Installs only what is missing; needs root (CI runs as root).
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
[ -x /usr/bin/virtuoso-t ] || need+=(virtuoso-opensource)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: missing ${need[*]}; run as root or install them" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
