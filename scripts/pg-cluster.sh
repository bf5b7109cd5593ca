#!/usr/bin/env bash
# A throwaway PostgreSQL for tests, benchmarks and development: a primary
# and a streaming replica in a temporary directory, run by the non-root
# postgres user, each on a free port of 127.0.0.1, trust authentication
# (loopback only; never use it for real data).
#
#   env=$(scripts/pg-cluster.sh start) && eval "$env"   # the exports below
#   go test ./internal/store/...
#   scripts/pg-cluster.sh stop "$TRIALFINDER_PG_CLUSTER"
#
# start prints export lines for TRIALFINDER_TEST_POSTGRES (the primary's
# DSN), TRIALFINDER_TEST_POSTGRES_REPLICA (the replica's) and
# TRIALFINDER_PG_CLUSTER (the directory stop removes). By default the
# cluster trades durability for speed (fsync off), as tests want; start
# --durable keeps PostgreSQL's defaults, for benchmarks that compare
# stores. Installs PostgreSQL from Debian when it is missing.
set -euo pipefail

log() { echo "pg-cluster: $*" >&2; }

bindir() {
	local dir=""
	if command -v pg_config >/dev/null; then
		dir=$(pg_config --bindir)
	fi
	if [ ! -x "$dir/initdb" ]; then
		# Debian's pg_config may come from libpq-dev and name /usr/bin,
		# where the server's binaries are not.
		dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	fi
	echo "$dir"
}

# as_owner runs a command as the cluster's owner: postgres refuses to run
# as root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	log "no free port found"
	return 1
}

# start_server DATADIR: starts the server on a free port, retrying if
# another process took the port meanwhile; prints the port.
start_server() {
	local data=$1 port
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		if as_owner "$BIN/pg_ctl" -D "$data" -l "$data.log" -w -t 60 \
			-o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=${data%/*}" start >/dev/null; then
			echo "$port"
			return
		fi
		log "could not start $data on port $port (see $data.log); trying another port"
	done
	return 1
}

start() {
	local durable=0
	[ "${1:-}" = --durable ] && durable=1
	BIN=$(bindir)
	if [ ! -x "$BIN/initdb" ]; then
		log "installing PostgreSQL from Debian"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib; } >&2
		BIN=$(bindir)
	fi
	local dir
	dir=$(mktemp -d /tmp/trialfinder-pg.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	as_owner "$BIN/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
	{
		echo "max_connections = 200"
		echo "shared_buffers = 256MB"
		# Replica connections, and the base backup's.
		echo "max_wal_senders = 10"
		if [ $durable = 0 ]; then
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
		fi
	} | as_owner tee -a "$dir/primary/postgresql.conf" >/dev/null
	local primary replica
	primary=$(start_server "$dir/primary")
	as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir/replica" -R -X stream
	replica=$(start_server "$dir/replica")
	for port in "$primary" "$replica"; do
		until "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do sleep 0.2; done
	done
	log "primary on 127.0.0.1:$primary, replica on 127.0.0.1:$replica, in $dir"
	echo "export TRIALFINDER_TEST_POSTGRES='postgres://postgres@127.0.0.1:$primary/postgres?sslmode=disable'"
	echo "export TRIALFINDER_TEST_POSTGRES_REPLICA='postgres://postgres@127.0.0.1:$replica/postgres?sslmode=disable'"
	echo "export TRIALFINDER_PG_CLUSTER='$dir'"
}

stop() {
	local dir=${1:?usage: pg-cluster.sh stop DIR}
	case $dir in /tmp/trialfinder-pg.*) ;; *)
		log "refusing to remove $dir: not a directory start made"
		return 1
		;;
	esac
	BIN=$(bindir)
	# The replica first, so it does not spin reconnecting to a stopped primary.
	for data in "$dir/replica" "$dir/primary"; do
		if [ -f "$data/postmaster.pid" ]; then
			as_owner "$BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null || true
		fi
	done
	rm -rf "$dir"
}

case ${1:-} in
start) shift && start "$@" ;;
stop) shift && stop "$@" ;;
*)
	echo "usage: $0 start [--durable] | stop DIR" >&2
	exit 2
	;;
esac
