#!/usr/bin/env bash
# Drives msgsim watch, the real binary, in a tmux pane of 110×40: starts a
# run, captures the screen, presses keys (a consumer added, the rate
# raised, a consumer crashed, the view frozen, the keys shown), captures
# after each, narrows the window (the view redraws to fit), ends the run
# with q and captures the report printed after the view closed. Writes the captures to DIR (default docs/watch-captures)
# and the session's asciinema cast beside them.
#
#   scripts/watch-tmux.sh [DIR] [-- msgsim watch flags]
#
# Needs Go and tmux (apt-get install -y tmux). Timing-dependent figures
# differ from run to run; what the captures show does not.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-watch-captures}
shift || true
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(-q 1 -c 2 --rate 1500 --arrival poisson --work 1ms --work-dist exp --work-kind sleep --seed 18)
command -v tmux >/dev/null || { echo "tmux is missing: apt-get install -y tmux" >&2; exit 2; }
tmp=$(mktemp -d)
session=msgsim-watch-$$
trap 'tmux kill-session -t "$session" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/msgsim" .
mkdir -p "$out"
# CI may be set where this runs; the view refuses it, so the pane unsets it.
tmux new-session -d -s "$session" -x 110 -y 40 "env -u CI TERM=xterm-256color $tmp/msgsim watch ${args[*]} --record $tmp/class.cast; echo \"exit code \$?\"; sleep 60"
cap() { tmux capture-pane -p -t "$session" | sed -e 's/[[:space:]]*$//' >"$out/$1.txt"; echo "captured $1"; }
key() { tmux send-keys -t "$session" "$@"; sleep 1.5; }
sleep 8; cap 1-running
key + ; key Up; key Up; sleep 5; cap 2-more-consumers-higher-rate
key c; sleep 3; cap 3-crash
key ' '; sleep 2; cap 4-frozen
key ' '; key '?'; cap 5-keys
tmux resize-window -t "$session" -x 80 -y 32; sleep 1.5; cap 6-resized-80x32
key q; sleep 4; cap 7-report
cp "$tmp/class.cast" "$out/class.cast"
