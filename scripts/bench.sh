#!/usr/bin/env bash
# The engine against its reference, measured in one process: BenchmarkRun
# (sim/bench_test.go) runs msgsim's engine, unbatched and with --batch 256,
# and bareLoop — the same goroutines and channels with one timestamp per
# message and nothing else — taking turns ROUNDS times (default 10) in
# alternating order, then benchstat sets each beside the bare loop. The
# ratio engine/bare is the figure docs/performance.md quotes.
#
#   scripts/bench.sh [ROUNDS]
#
# About 105 s on 2 cores. Run nothing else meanwhile. Needs Go; writes
# only a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -run '^$' -bench Run -benchtime 3000000x -benchmem ./sim -rounds "$rounds" | tee "$tmp/bench.txt"
go run golang.org/x/perf/cmd/benchstat -col /impl -ignore /round "$tmp/bench.txt"
