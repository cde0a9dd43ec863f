#!/usr/bin/env bash
# Installs the external tools the tests drive, when missing: promtool (Debian `prometheus`,
# for /metrics and the alert rules), chromium (the dashboard test) and croniter (PyPI: the cron
# evaluator is checked against it). Installing the `prometheus` package starts no server here
# (no systemd). Needs root or passwordless sudo for apt.
set -euo pipefail
if ! python3 -c "import croniter" >/dev/null 2>&1; then
  echo "ensure-test-tools: installing croniter (pip)" >&2
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore croniter >/dev/null
fi
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo -n"
echo "ensure-test-tools: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
command -v promtool >/dev/null && command -v chromium >/dev/null
