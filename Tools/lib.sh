# Shared by the benchmark and fuzz scripts (sourced, not run): a release build, a work folder cleaned up on exit,
# free ports, and a mosquitto broker configured like the demo's (Tools/mosquitto.conf.template).
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# build_release: installs what is missing and builds helsebro and helsebro-sim for release; sets $bin.
build_release() {
    Tools/setup.sh
    swift build -c release --product helsebro 2>&1 | tail -n 1
    swift build -c release --product helsebro-sim 2>&1 | tail -n 1
    bin=$(swift build -c release --show-bin-path)
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_broker DIR: sets $port and $broker_pid (not in a subshell: the broker must not hold a pipe).
start_broker() {
    mkdir -p "$1"
    port=$(free_port)
    sed -e "s|@PORT@|$port|" -e "s|@DIR@|$1|" -e "s|@USER@|$(id -un)|" Tools/mosquitto.conf.template > "$1/mosquitto.conf"
    mosquitto -c "$1/mosquitto.conf" > /dev/null 2>&1 &
    broker_pid=$!
    pids+=($broker_pid)
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
        sleep 0.05
    done
}
