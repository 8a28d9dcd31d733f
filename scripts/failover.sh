#!/usr/bin/env bash
# What a failover costs: msgsim over a three-node nats-server cluster on
# loopback, every connection on node 1 (the first URL), node 1 killed
# partway through: killed (SIGKILL), or frozen (SIGSTOP, what a partition
# looks like to a client: found by missed pings, three a second apart). Prints msgsim's failover line and figures: the
# window without a server, the messages lost and when they were meant to be
# sent, and the worst interval's p99 against the median interval's.
#
#   scripts/failover.sh [RATE] [SECONDS] [AFTER] [kill|freeze]   (default 10000 8 3 kill)
#
# Builds nats-server from the module msgsim depends on. Needs Go and
# python3; writes nothing outside a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-10000} secs=${2:-8} after=${3:-3} how=${4:-kill}
case $how in kill) sig=KILL verb=killed ;; freeze) sig=STOP verb=froze ;; *) echo "usage: $0 [RATE] [SECONDS] [AFTER] [kill|freeze]" >&2; exit 2 ;; esac
tmp=$(mktemp -d)
pids=()
trap 'kill -CONT "${pids[@]}" 2>/dev/null; kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/nats-server" github.com/nats-io/nats-server/v2
go build -o "$tmp/msgsim" .
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ports=() routes=() urls=()
for i in 1 2 3; do
	ports+=("$(free) $(free)")
done
for i in 0 1 2; do
	read -r client cluster <<<"${ports[$i]}"
	routes+=("nats://127.0.0.1:$cluster")
	urls+=("nats://127.0.0.1:$client")
done
for i in 0 1 2; do
	read -r client cluster <<<"${ports[$i]}"
	"$tmp/nats-server" -a 127.0.0.1 -p "$client" -n "n$((i + 1))" --cluster_name msgsim \
		--cluster "nats://127.0.0.1:$cluster" --routes "$(IFS=,; echo "${routes[*]}")" >"$tmp/n$((i + 1)).log" 2>&1 &
	pids+=($!)
done
for u in "${urls[@]}"; do
	port=${u##*:}
	for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
done
sleep 1 # routes

"$tmp/msgsim" --transport nats --nats-url "$(IFS=,; echo "${urls[*]}")" -q 3 -c 2 -n 1G --rate "$rate" -d "${secs}s" \
	--interval "${INTERVAL:-100ms}" --drain-timeout 2s --format json --progress never -o "$tmp/run.json" &
run=$!
sleep "$after"
kill -"$sig" "${pids[0]}"
echo "$verb node 1 after ${after}s"
status=0
wait "$run" || status=$?
python3 - "$tmp/run.json" "$status" ${VERBOSE:+-v} <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ms = lambda ns: "%.1f ms" % (ns / 1e6)
print("exit %s; sent %d, delivered %d, lost %d, duplicated %d, ended by %s" % (
    sys.argv[2], d["sent"], d["delivered"], d["lost"], d["duplicated"], d["ended_by"]))
f = d.get("failover")
if not f:
    sys.exit("no failover was recorded")
for c in d["failovers"]:
    print("  %-14s down at %s, back at %s on %s" % (c["conn"], ms(c["down_ns"]),
          ms(c["up_ns"]) if c["up_ns"] >= 0 else "never", c["server"]))
print("without a server: %s (from %s to %s)" % (ms(f["up_ns"] - f["down_ns"]), ms(f["down_ns"]), ms(f["up_ns"])))
if f.get("lost_timed"):
    print("lost %d, meant to be sent from %s to %s" % (f["lost"], ms(f["lost_from_ns"]), ms(f["lost_to_ns"])))
print("p99: worst interval %s at %s; median interval %s; whole run %s" % (
    ms(f["worst_p99_ns"]), ms(f["worst_at_ns"]), ms(f["median_p99_ns"]), ms(d["latency"]["p99_ns"])))
if "-v" in sys.argv[3:]:
    for iv in d["series"]:
        print("  %8.1fs %9.0f msgs/s  p99 %s" % (iv["start_ns"] / 1e9, iv["throughput_msgs_per_s"], ms(iv["p99_ns"])))
PY
