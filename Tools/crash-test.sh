#!/usr/bin/env bash
# Crash safety (issue 8): a long QoS 1 stream into `helsebro serve` while it is killed with SIGKILL at random moments
# and restarted, then the count: every message the broker accepted is in the journal (readings or quarantine) exactly
# once, and no message's readings or quarantine entry are there twice.
# The stream is the simulator's realistic mix from 50 patients (home GATT and SenML, hospital HL7, vendor frames, 1%
# malformed on purpose), made before the run and published as fast as the broker takes it; each message carries its
# own seq, and the publisher counts only messages the broker acknowledged (PUBACK).
# Usage: Tools/crash-test.sh [MESSAGES] [KILLS] [SEED]   (defaults 200000, 6, random)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
kills=${2:-6}
seed=${3:-$RANDOM}
source Tools/lib.sh
build_release
start_broker "$work/broker"
db="$work/journal.sqlite"
"$bin/helsebro-sim" --register "sqlite:$db" --register-only --patients 50 --quiet
serve() {
    "$bin/helsebro" serve --broker "mqtt://127.0.0.1:$port" --journal "sqlite:$db" --no-http --max-batch 500 \
        >> "$work/serve.log" 2>&1 &
    serve_pid=$!
    pids+=($serve_pid)
}
count() { python3 -c "import sqlite3; print(sqlite3.connect('file:$db?mode=ro', uri=True).execute('SELECT COUNT(*) FROM message').fetchone()[0])"; }
serve
for _ in $(seq 300); do grep -q subscribed "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
echo "publishing $n messages (seed $seed), killing helsebro with SIGKILL $kills times while it ingests"
"$bin/helsebro-sim" --broker "mqtt://127.0.0.1:$port" --patients 50 --rate 10000000 --faults 0.01 --pregenerate \
    --count "$n" --seed "$seed" --quiet > "$work/pub.out" 2>&1 &
pub=$!
pids+=($pub)
for ((k = 1; k <= kills; k++)); do
    # A random moment 0.5–4 s on, while messages are arriving.
    sleep "$(python3 -c "import random; random.seed($seed + $k); print('%.2f' % random.uniform(0.5, 4))")"
    before=$(count)
    kill -9 "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
    echo "kill $k: SIGKILL with $before messages in the journal; restarting"
    serve
done
wait "$pub"
published=$(awk '/^acknowledged/ {print $2}' "$work/pub.out")
# Wait until the journal stops growing (the broker redelivers what was not acknowledged).
last=-1
for _ in $(seq 600); do
    c=$(count)
    [[ "$c" -ge "$published" && "$c" == "$last" ]] && break
    last=$c
    sleep 1
done
kill "$serve_pid" 2>/dev/null || true
wait "$serve_pid" 2>/dev/null || true
python3 - "$db" "$published" <<'EOF'
import sqlite3, sys
db, published = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
messages = c.execute("SELECT COUNT(*) FROM message").fetchone()[0]
quarantined = c.execute("SELECT COUNT(*) FROM message WHERE quarantined = 1").fetchone()[0]
readings = c.execute("SELECT COUNT(*) FROM reading").fetchone()[0]
# A message's readings are inserted together, in the transaction that inserts the message, so their row ids are
# consecutive; a reading written again later (a redelivery not recognised) would break that.
twice = c.execute("""SELECT COUNT(*) FROM (SELECT 1 FROM reading GROUP BY message
                     HAVING MAX(id) - MIN(id) + 1 != COUNT(*))""").fetchone()[0]
quarantined_twice = c.execute("""SELECT COUNT(*) FROM (SELECT 1 FROM quarantine GROUP BY message, code, reason
                                 HAVING COUNT(*) > 1)""").fetchone()[0]
redelivered = c.execute("SELECT COALESCE((SELECT value FROM counter WHERE name = 'duplicates'), 0)").fetchone()[0]
print(f"published and acknowledged by the broker: {published}")
print(f"in the journal: {messages} messages ({messages - quarantined} with readings, {quarantined} quarantined), "
      f"{readings} readings")
print(f"messages whose readings were written twice: {twice}; quarantine entries there twice: {quarantined_twice}")
ok = messages == published and twice == 0 and quarantined_twice == 0
print("EXACTLY ONCE: every acknowledged message once, nothing twice" if ok else "FAILED: messages lost or doubled")
sys.exit(0 if ok else 1)
EOF
