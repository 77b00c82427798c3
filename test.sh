#!/usr/bin/env bash
# Runs every test: installs what the tests need (NuGet packages, the pinned socketcluster-client for the tests and for
# the dashboard and demo pages, Debian's chromium for the browser specs, Debian's postgresql for the history journal
# specs, which start a private server of their own), builds, runs the whole suite, and ends with
# one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"

npm ci --prefix AGServer.Tests/js --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
npm ci --prefix bench/reference --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
npm ci --prefix web --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
if ! command -v chromium >/dev/null; then
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; } \
    || { echo "could not install chromium (Debian package) for the browser specs"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null; } \
    || { echo "could not install postgresql (Debian package) for the history journal specs"; echo "0 passed, 1 failed"; exit 1; }
fi
dotnet restore AGServer.sln --verbosity quiet || { echo "0 passed, 1 failed"; exit 1; }

rm -rf TestResults
dotnet test AGServer.sln --no-restore --logger "trx;LogFileName=results.trx" --results-directory TestResults "$@"
status=$?

trx=$(find TestResults -name '*.trx' 2>/dev/null | head -n 1)
if [ -z "$trx" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
errors=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(( ${failed:-0} + ${errors:-0} ))
echo "${passed:-0} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "${passed:-0}" -eq 0 ]; then exit 1; fi
