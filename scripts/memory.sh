#!/bin/sh
# Reproduces the table in docs/memory.md: for each big configuration,
# msgsim's memory estimate (sim.Config.Memory, printed by scripts/memest)
# beside the peak RSS GNU time measures, and the bare-loop reference for
# the million consumers. Linux only (GNU time -v). Run it from anywhere in
# the repository, with nothing else heavy running: sh scripts/memory.sh
# (about five minutes on two cores).
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/msgsim" .
go build -o "$bin/memest" ./scripts/memest
go build -o "$bin/bareloop" ./scripts/bareloop

# peak runs a command under GNU time and prints its peak RSS in KiB.
peak() {
	env time -v -o "$bin/time" "$@" >/dev/null
	awk '/Maximum resident set size/ { print $6 }' "$bin/time"
}
# human prints bytes in binary units with three significant digits.
human() {
	awk -v b="$1" 'BEGIN {
		split("B KiB MiB GiB TiB", u, " "); i = 1
		while (b >= 1024 && i < 5) { b /= 1024; i++ }
		printf (b >= 100 ? "%.0f %s" : b >= 10 ? "%.1f %s" : "%.2f %s"), b, u[i]
	}'
}

echo "| run | estimate | largest term | peak RSS | estimate ÷ peak RSS |"
echo "|---|---|---|---|---|"
while read -r flags; do
	# shellcheck disable=SC2086 # $flags is a list of words
	set -- $flags
	"$bin/memest" -summary "$@" >"$bin/est"
	tab=$(printf '\t')
	IFS=$tab read -r est largest verdict <"$bin/est"
	if [ "$verdict" = refused ]; then
		echo "| \`msgsim $flags\` | $(human "$est") | $largest | refused | |"
		continue
	fi
	k=$(peak "$bin/msgsim" "$@" --progress never --quiet)
	echo "| \`msgsim $flags\` | $(human "$est") | $largest | $(human $((k * 1024))) | $(awk -v e="$est" -v k="$k" 'BEGIN { printf "%.2f", e / (k * 1024) }') |"
done <<'RUNS'
-q 1000 -c 1000 -n 2k -b 16
-q 1000 -c 1000 -n 2k -b 16 --prefault=false
-q 100000 -c 1 -n 1
-n 100M
-p 10000 --size 100k -n 1
-p 10000 -q 10000 -c 1 -n 1 --dispatch key
-d 10s
--interval 10ms -d 20s
-p 100000 --size 1M -n 1
-p 100000 -q 1000000 -n 1
--interval 10ms -d 168h
-q 10000 -c 1000 -n 1
RUNS

k=$(peak "$bin/bareloop" -q 1000 -c 1000 -n 2000 -b 16)
echo "| bare loop: \`go run ./scripts/bareloop -q 1000 -c 1000 -n 2000 -b 16\` | | | $(human $((k * 1024))) | |"
