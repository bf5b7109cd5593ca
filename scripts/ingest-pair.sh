#!/usr/bin/env bash
# Times `trialfinder ingest` of one corpus into a new store, the same
# binary each time, one store after the other, so that their rates
# compare within one run (absolute figures drift with the machine's load):
#
#   scripts/ingest-pair.sh BIN CORPUS OUTDIR DB...
#   e.g. scripts/ingest-pair.sh ./tf ctg600k.zip /tmp/out /tmp/m600.db "$TRIALFINDER_TEST_POSTGRES"
#
# For each DB it writes OUTDIR/ingest-N.log: the ingest's own log (its
# record and criteria phases and their rates), GNU time's wall, user and
# system CPU and peak RSS, and the load average before and after.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 BIN CORPUS OUTDIR DB..." >&2; exit 2; }
bin=$1 corpus=$2 out=$3
shift 3
mkdir -p "$out"
n=0
for db in "$@"; do
	n=$((n + 1))
	log="$out/ingest-$n.log"
	{
		echo "db: ${db%%\?*}"
		echo "start: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$log"
	/usr/bin/time -v "$bin" ingest --db "$db" "$corpus" >>"$log" 2>&1 || echo "ingest exited $?" >>"$log"
	echo "end: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$log"
	grep -E '^db:|^start:|^end:|new,|criteria parsed|Elapsed|User time|System time|Maximum resident' "$log"
done
