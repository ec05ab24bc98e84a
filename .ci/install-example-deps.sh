#!/usr/bin/env bash
# Installs the external clients the example tests (examples/*/main_test.go) talk to:
# curl and wrk (examples/http), redis-cli and redis-benchmark (examples/redis) and
# chromium (examples/websocket), OpenBSD netcat (examples/udp-echo) and openssl
# (examples/tls-echo, the TLS tests). Idempotent: it runs apt-get only when a tool is
# missing, and `apt-get update` at most once.
set -euo pipefail

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
{ command -v redis-cli >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1; } || need+=(redis-tools)
{ command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } || need+=(chromium)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [ ${#need[@]} -eq 0 ]; then
	echo "example deps: all present"
	exit 0
fi

echo "example deps: installing ${need[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${need[@]}"
