#!/usr/bin/env bash
# msgsim over NATS against the server's own tool, nats bench, on one
# nats-server on loopback: the same 1M messages of 40 bytes (msgsim: a
# 24-byte header and --size 16) on subjects of the same length, one
# publisher, three queue groups (nats bench: subscribers) of one. Like nats
# bench's pub and sub, msgsim runs as a producer-role and a consumer-role
# process; it also runs as one process (role all). They take turns, ROUNDS
# times (default 5), and the script prints each round and the ratios of the
# medians, deliveries per second. msgsim still checks every delivery exactly
# once and times it; a round in which it did not pass stops the script.
#
#   scripts/natsbench.sh [ROUNDS]
#
# Builds nats-server from the module msgsim depends on and installs
# natscli's nats (v0.5.1) into a cache directory: the first run takes
# minutes. Needs Go and python3; writes nothing outside a temporary
# directory and that cache.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/msgsim-natsbench
tmp=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$cache"
[ -x "$cache/nats" ] || GOBIN="$cache" go install github.com/nats-io/natscli/nats@v0.5.1
go build -o "$tmp/nats-server" github.com/nats-io/nats-server/v2
go build -o "$tmp/msgsim" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url=nats://127.0.0.1:$port
"$tmp/nats-server" -a 127.0.0.1 -p "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# msgsim's subject for run-id ID is m.ID.f: nats bench gets one as long.
subject=m.natsbnc.f
bench() { # prints nats bench's aggregated subscriber rate
	"$cache/nats" -s "$url" bench sub "$subject" --clients 3 --msgs 1000000 --size 40 --no-progress >"$tmp/sub.txt" 2>&1 &
	local sub=$!
	sleep 1 # the subscribers must be in before the publisher starts
	"$cache/nats" -s "$url" bench pub "$subject" --clients 1 --msgs 1000000 --size 40 --no-progress >/dev/null 2>&1
	wait "$sub"
	sed -n 's/.*aggregated stats: \([0-9,]*\) msgs\/sec.*/\1/p' "$tmp/sub.txt" | tr -d ,
}
# Reports are read after the run, as nats bench's are: a parser started
# beside msgsim (python3 takes ~0.3 s of CPU to start here) would take that
# CPU from the run.
rate() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["passed"], d["problems"]; print(int(d["throughput_msgs_per_s"]))' "$1"; }
flags=(--transport nats --nats-url "$url" -n 1M --size 16 -q 3 -c 1 --format json --progress never)
split() { # a producer process and a consumer process, as nats bench runs
	local id
	id=$(printf 's%06d' $((RANDOM * 7 % 1000000)))
	"$tmp/msgsim" "${flags[@]}" --role consumer --run-id "$id" --seed 1 >"$tmp/cons.json" 2>/dev/null &
	local cons=$!
	"$tmp/msgsim" "${flags[@]}" --role producer --run-id "$id" --seed 1 >"$tmp/prod.json" 2>/dev/null
	wait "$cons"
	rate "$tmp/prod.json"
}
single() { "$tmp/msgsim" "${flags[@]}" --run-id natsbnc >"$tmp/one.json"; rate "$tmp/one.json"; }

echo "round  nats-bench  msgsim-split  msgsim-one  (deliveries/s; 1M × 40 B, 1 publisher, 3 × 1 subscribers)"
: >"$tmp/b"; : >"$tmp/s"; : >"$tmp/o"
for r in $(seq "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then b=$(bench); s=$(split); o=$(single); else o=$(single); s=$(split); b=$(bench); fi
	echo "$b" >>"$tmp/b"; echo "$s" >>"$tmp/s"; echo "$o" >>"$tmp/o"
	printf '%5d  %10s  %12s  %10s\n' "$r" "$b" "$s" "$o"
done
python3 - "$tmp/b" "$tmp/s" "$tmp/o" <<'PY'
import statistics, sys
b, s, o = ([int(x) for x in open(f)] for f in sys.argv[1:])
mb, ms, mo = statistics.median(b), statistics.median(s), statistics.median(o)
print(f"medians: nats bench {mb:,.0f}; msgsim split {ms:,.0f} ({ms / mb:.2f}x); msgsim in one process {mo:,.0f} ({mo / mb:.2f}x)")
PY
