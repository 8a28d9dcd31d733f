#!/usr/bin/env bash
# msgsim over JetStream against the server's own tool, nats bench js, on
# one nats-server with JetStream on loopback: the same N messages (default
# 200k) of 40 bytes (msgsim: a 24-byte header and --size 16) into one
# stream of STORAGE (default memory), one publisher, one durable consumer
# with explicit acknowledgements pulled by one client. nats bench consumes
# (bench js consume) while it publishes (bench js pub async), as msgsim
# does; its figure is the consumer's rate, msgsim's its deliveries per
# second from the first send to the last receive. They take turns, ROUNDS
# times (default 5), and the script prints each round and the ratio of the
# medians. msgsim still checks every delivery and times it; a round in
# which it did not pass stops the script.
#
#   scripts/jsbench.sh [ROUNDS] [N] [STORAGE]
#
# Builds nats-server from the module msgsim depends on and installs
# natscli's nats (v0.5.1) into a cache directory: the first run takes
# minutes. Needs Go and python3; writes nothing outside a temporary
# directory and that cache.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
n=${2:-200000}
storage=${3:-memory}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/msgsim-natsbench
tmp=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$cache"
[ -x "$cache/nats" ] || GOBIN="$cache" go install github.com/nats-io/natscli/nats@v0.5.1
go build -o "$tmp/nats-server" github.com/nats-io/nats-server/v2
go build -o "$tmp/msgsim" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
"$tmp/nats-server" -a 127.0.0.1 -p "$port" -js -sd "$tmp/store" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# msgsim's subject for run-id ID and one queue is m.ID.f: nats bench gets
# one as long, in a stream of the same storage.
subject=m.jsbench.f
nats() { "$cache/nats" -s "$url" "$@"; }
rate_of() { sed -n 's/.* \([0-9,]*\) msgs\/sec.*/\1/p' "$1" | head -1 | tr -d ,; }
bench() { # prints nats bench's consumer rate
	nats stream add benchstream --subjects "$subject" --storage "$storage" --defaults >/dev/null
	nats bench js consume --msgs "$n" --clients 1 --acks explicit --no-progress >"$tmp/cons.txt" 2>&1 &
	local cons=$!
	sleep 1 # the consumer must be pulling before the publisher starts
	nats bench js pub async "$subject" --msgs "$n" --size 40 --clients 1 --no-progress >/dev/null 2>&1
	wait "$cons"
	nats stream rm -f benchstream >/dev/null
	rate_of "$tmp/cons.txt"
}
# The report is read after the run, as nats bench's is: a parser started
# beside msgsim (python3 takes ~0.3 s of CPU to start here) would take that
# CPU from the run.
rate() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["passed"], d["problems"]; print(int(d["throughput_msgs_per_s"]))' "$1"; }
single() {
	"$tmp/msgsim" --transport jetstream --nats-url "$url" --storage "$storage" -n "$n" --size 16 -q 1 -c 1 \
		--run-id jsbench --format json --progress never >"$tmp/one.json"
	rate "$tmp/one.json"
}

echo "round  nats-bench-js  msgsim  (deliveries/s; $n × 40 B, $storage storage, 1 publisher, 1 consumer, explicit acks)"
: >"$tmp/b"; : >"$tmp/o"
for r in $(seq "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then b=$(bench); o=$(single); else o=$(single); b=$(bench); fi
	echo "$b" >>"$tmp/b"; echo "$o" >>"$tmp/o"
	printf '%5d  %13s  %6s\n' "$r" "$b" "$o"
done
python3 - "$tmp/b" "$tmp/o" <<'PY'
import statistics, sys
b, o = ([int(x) for x in open(f)] for f in sys.argv[1:])
mb, mo = statistics.median(b), statistics.median(o)
print(f"medians: nats bench js {mb:,.0f}; msgsim {mo:,.0f} ({mo / mb:.2f}x)")
PY
