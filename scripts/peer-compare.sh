#!/usr/bin/env bash
# Our node and the peer (loadgen peer-load) side by side on the same data,
# in one run: starts `serve --role web` on a free loopback port, waits
# until /healthz says ok, runs loadgen's mix against it and then as SQL
# against the peer (same clients and duration), with the CPU per request
# of serve and of PostgreSQL, and stops the server.
#
#   scripts/peer-compare.sh TF LOADGEN DB PEER_DSN OUT [LOADGEN FLAGS...]
#   e.g. scripts/peer-compare.sh ./tf ./loadgen b600.db "$PEER" /tmp/cmp --clients 16 --duration 60s
#
# DB is the node's store (a SQLite file, whose views snapshot beside it
# makes the start take seconds, or postgres://…, then add --store-pg DSN
# for that PostgreSQL's CPU). OUT gets serve.log and loadgen.txt.
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: $0 TF LOADGEN DB PEER_DSN OUT [LOADGEN FLAGS...]" >&2; exit 2; }
tf=$1 loadgen=$2 db=$3 peer=$4 out=$5
shift 5
mkdir -p "$out"
port=""
for _ in $(seq 100); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p && break; fi
done
[ -n "$port" ] || { echo "no free port" >&2; exit 1; }
"$tf" serve --role web --db "$db" --addr "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
serve=$!
trap 'kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null || true' EXIT
start=$(date +%s)
until curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null | grep -q '"status": *"ok"'; do
	kill -0 "$serve" 2>/dev/null || { echo "serve exited; see $out/serve.log" >&2; exit 1; }
	sleep 2
done
echo "serve ready in $(($(date +%s) - start)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/loadgen.txt"
"$loadgen" --addr "http://127.0.0.1:$port" --serve-pid "$serve" --peer "$peer" "$@" 2>&1 | tee -a "$out/loadgen.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/loadgen.txt"
