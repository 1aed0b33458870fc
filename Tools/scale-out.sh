#!/usr/bin/env bash
# Scale-out benchmark: N messages of the simulator's realistic mix (50 patients; home GATT and SenML, hospital HL7,
# vendor frames, 1% malformed) through 1 and then 2 `helsebro serve` instances in one shared-subscription group
# (`--group bench`), all journalling into one local PostgreSQL (Debian's postgresql: initdb into a temporary folder, a
# free port, fsync and synchronous_commit on, as in production). Each run has a fresh broker and database; the rate
# is N / (time from the publisher's start to the last message's receive time in the journal). Prints every run and
# the medians, and how long after the last message the group's decision support had evaluated everything.
# RATE=messages/s publishes at that rate instead of as fast as it can (alerts then compare 1 and 2 instances:
# at a rate the instances keep up with, the group's decision support sees each device's stream in order).
# SHOW_ALERTS=1 prints the alert transitions by kind after each run.
# Usage: [RATE=R] [SHOW_ALERTS=1] Tools/scale-out.sh [N] [RUNS]      (defaults 20000 and 3)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
runs=${2:-3}
source Tools/lib.sh
build_release
now() { python3 -c 'import time; print("%.6f" % time.time())'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# PostgreSQL refuses to run as root: then as the postgres user the Debian package made.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/helsebro-scale-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$pgdir"
    as_pg=(runuser -u postgres --)
fi
pgport=$(free_port)
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U helsebro -E UTF8 > /dev/null
"${as_pg[@]}" "$pgbin/postgres" -D "$pgdir/data" -p "$pgport" -k "$pgdir" -c listen_addresses=127.0.0.1 \
    -c max_connections=100 > "$pgdir/postgres.log" 2>&1 &
pids+=($!)
trap 'cleanup; "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop > /dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
for _ in $(seq 100); do "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" && break; sleep 0.1; done
psql() { "$pgbin/psql" -X -q -t -A -h 127.0.0.1 -p "$pgport" -U helsebro "$@"; }

declare -A results
for instances in 1 2; do
    rates=()
    for ((r = 1; r <= runs; r++)); do
        dir="$work/i$instances-$r"
        start_broker "$dir"
        db="bench_${instances}_$r"
        psql -d postgres -c "CREATE DATABASE $db"
        journal="postgres://helsebro@127.0.0.1:$pgport/$db"
        "$bin/helsebro-sim" --register "$journal" --register-only --patients 50 --quiet
        serves=()
        for ((i = 1; i <= instances; i++)); do
            "$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "$journal" --group bench \
                --client-id "helsebro-$i" --no-http > "$dir/serve-$i.log" 2>&1 &
            serves+=($!)
            pids+=($!)
        done
        for ((i = 1; i <= instances; i++)); do
            for _ in $(seq 200); do grep -q subscribed "$dir/serve-$i.log" 2>/dev/null && break; sleep 0.05; done
        done
        t0=$(now)
        pace=(--rate 10000000 --pregenerate)
        [[ -n "${RATE:-}" ]] && pace=(--rate "$RATE")
        "$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --patients 50 "${pace[@]}" --faults 0.01 --quiet \
            --count "$n" > "$dir/pub.out" &
        while :; do
            got=$(psql -d "$db" -c "SELECT COUNT(*) + COALESCE((SELECT value FROM counter WHERE name = 'duplicates'), 0) FROM message")
            [[ "$got" -ge "$n" ]] && break
            sleep 0.5
        done
        t1=$(psql -d "$db" -c "SELECT MAX(received_us) / 1e6 FROM message")
        # Decision support (one instance of the group evaluates the queue): how long after the last message it is done.
        while [[ "$(psql -d "$db" -c "SELECT COUNT(*) FROM evaluation_queue")" -gt 0 ]]; do sleep 0.1; done
        lag=$(python3 -c "import time; print('%.1f' % (time.time() - $t1))")
        alerts=$(psql -d "$db" -c "SELECT COUNT(*) FROM alert_event")
        [[ -n "${SHOW_ALERTS:-}" ]] && psql -d "$db" -F ' ' -c "SELECT kind, transition, COUNT(*) FROM alert_event GROUP BY 1, 2 ORDER BY 1, 2" | tr '\n' ';' && echo
        readings=$(psql -d "$db" -c "SELECT COUNT(*) FROM reading")
        t0=$(awk '/^publishing from/ {print $3}' "$dir/pub.out" | grep . || echo "$t0")
        rate=$(python3 -c "print('%.0f' % ($n / ($t1 - $t0)))")
        rps=$(python3 -c "print('%.0f' % ($readings / ($t1 - $t0)))")
        rates+=("$rate")
        echo "instances=$instances run $r: $rate messages/s, $rps readings/s ($readings readings); decision support done ${lag}s after the last message ($alerts alert transitions)"
        kill "${serves[@]}" "$broker_pid" 2>/dev/null || true
        wait "${serves[@]}" 2>/dev/null || true
    done
    results[$instances]=$(printf '%s\n' "${rates[@]}" | median)
done
echo "median over $runs runs of $n messages (mix), one PostgreSQL: 1 instance ${results[1]} msg/s, 2 instances ${results[2]} msg/s ($(python3 -c "print('%.2f' % (${results[2]} / ${results[1]}))")x)"
