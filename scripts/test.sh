#!/usr/bin/env bash
# Runs every test of Trialfinder on a fresh Debian machine with Go:
# installs what the tests need (Chromium, PostgreSQL), then vets and tests the whole module with
# the race detector. Usage: scripts/test.sh [go test flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== browser for the web tests"
# internal/web's browser tests drive Debian's Chromium; under CI a missing
# browser fails them, so install it when it is not there yet.
if [ ! -x /usr/bin/chromium ]; then
	apt-get update -qq && apt-get install -y -qq chromium
fi

echo "== PostgreSQL for the store tests"
# A throwaway primary and streaming replica (scripts/pg-cluster.sh), removed
# on exit; the PostgreSQL tests skip without them.
cluster=$(scripts/pg-cluster.sh start)
eval "$cluster"
trap 'scripts/pg-cluster.sh stop "$TRIALFINDER_PG_CLUSTER"' EXIT

echo "== go test -race"
go test -race -count=1 -timeout 30m "$@" ./...
