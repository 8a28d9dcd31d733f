#!/usr/bin/env bash
# Mutation test of the exactly-once and order checker and of the verdict:
# breaks one rule at a time in a copy of the repository and expects the
# tests that defend it to fail.
# A mutant that survives is a rule the tests do not defend. Needs only Go and
# coreutils; writes nothing outside a temporary directory and Go's caches.
# About two minutes on two cores; exits non-zero if any mutant survives.
#
#   scripts/mutants.sh            # every mutant
#   scripts/mutants.sh WORD       # only mutants whose description contains WORD
#   MUTANT_LANES=1 scripts/...    # one build at a time (default 2)
#
# Each mutant is a file, an exact snippet of it, its broken replacement and
# a one-line description. A snippet that is missing or ambiguous stops the
# script: the list must be kept in step with the code, never silently skip.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true # "&" in a replacement is literal

root=$(cd "$(dirname "$0")/.." && pwd)
only=${1:-}
# The tests that defend the checker and the verdict, by the package a
# mutated file is in (its tests are the ones that must catch it).
tests_of() {
	case $1 in
	sim)
		# The broker tests (seconds each) defend only the semantics rules.
		if [[ ${2:-semantics} == semantics* ]]; then
			echo '^(TestTallyCounts|TestSeenSetsSharedWhenWrittenByMany|TestFaultsAreCountedExactly|TestNATSFaultsAreCountedExactly|TestThroughputLeavesTheWarmupOut|TestSplitRun.*|TestNATSRoles|TestJetStreamCrash.*|TestJetStreamDedup|TestSemantics)$'
		else
			echo '^(TestTallyCounts|TestSeenSetsSharedWhenWrittenByMany|TestFaultsAreCountedExactly|TestNATSFaultsAreCountedExactly|TestThroughputLeavesTheWarmupOut|TestSplitRun.*|TestNATSRoles|TestSemantics)$'
		fi ;;
	invoke) echo '^(TestJudge|TestRunInterruptedBetweenRepeats|TestSweepJudgesEveryPoint|TestSaveBaselineOnlyWhenPassed)$' ;;
	check) echo '^(TestJudgeWarmupAndNoSamples|TestJudgeUsesTheMedian|TestCompareJudgesSignificance)$' ;;
	report) echo '^TestReadBaseline' ;;
	*) echo "no tests for package $1" >&2; exit 2 ;;
	esac
}
start=$SECONDS

mutants=(
	# The four breakages of issue 14 that the suite used to let through.
	sim/consume.go
	't.dups += int64(bits.OnesCount64(markBits(t.chunk, slot, t.mask, t.seen.shared)))'
	'_ = bits.OnesCount64(markBits(t.chunk, slot, t.mask, t.seen.shared))'
	'duplicates found already set in the seen set are not counted'

	sim/consume.go
	't.reord++'
	''
	'reordering is never counted'

	sim/result.go
	' && (r.Reordered == 0 || !d.judgesOrder())'
	''
	'the verdict ignores reordering'

	# Delivery semantics: what each promises is what the verdict judges.
	sim/delivery.go
	'func (d Semantics) judgesLoss() bool       { return d != AtMostOnce }'
	'func (d Semantics) judgesLoss() bool       { return true }'
	'semantics: at most once is failed for the losses it allows'

	sim/delivery.go
	'func (d Semantics) judgesDuplicates() bool { return d != AtLeastOnce }'
	'func (d Semantics) judgesDuplicates() bool { return true }'
	'semantics: at least once is failed for the duplicates it allows'

	sim/delivery.go
	'func (d Semantics) judgesDuplicates() bool { return d != AtLeastOnce }'
	'func (d Semantics) judgesDuplicates() bool { return d == ExactlyOnce }'
	'semantics: at most once lets duplicates pass'

	sim/nats_run.go
	'sb.t.dups++'
	''
	'an undecodable NATS message is not counted as a duplicate'

	# The seen set.
	sim/bitset.go
	'return atomic.OrUint64(w, mask) & mask'
	$'atomic.OrUint64(w, mask)\n\t\treturn 0'
	'a shared set does not report bits another consumer set'

	sim/bitset.go
	'return old & mask'
	'return 0'
	'a private set does not report bits already set'

	sim/engine.go
	'cfg.Queues*cfg.Consumers > 1)'
	'cfg.Consumers > 1)'
	'key dispatch writes its one set without atomics when queues have one consumer'

	sim/consume.go
	'*t = tally{seen: r.seen[c.queue],'
	'*t = tally{seen: r.seen[0],'
	'every queue marks the first queue'"'"'s set'

	sim/consume.go
	'if at := slot >> chunkShift; at != t.chunkAt {'
	'if at := slot >> chunkShift; t.chunk == nil {'
	'bits past the first chunk are written into the first chunk'

	# The consumer's tally.
	sim/consume.go
	$'t.dups += int64((t.mask & bit) >> (m.slot & 63))\n\tt.mask |= bit\n\tif t.lastSlot != nil'
	$'t.mask |= bit\n\tif t.lastSlot != nil'
	'a second copy in the gathered word is not counted (slow path)'

	sim/consume.go
	't.dups += int64((t.mask & bit) >> (m.slot & 63)) // a second copy within the word'
	''
	'a second copy in the gathered word is not counted (fast path)'

	sim/consume.go
	'if uint64(m.slot) >= t.size {'
	'if uint64(m.slot) > t.size {'
	'the slot at the set'"'"'s size is taken for a sent message'

	sim/consume.go
	'if uint64(m.slot) >= t.size {'
	'if m.slot >= int64(t.size) {'
	'a negative slot is taken for a sent message'

	sim/consume.go
	'if uint64(t.word+1)<<6 <= t.size {'
	'if true {'
	'a run of messages may continue past the set'"'"'s last slot'

	sim/consume.go
	'|| m.producer != t.runProd {'
	'{'
	'a run of messages continues with another producer'"'"'s message'

	sim/consume.go
	't.lastSlot[t.runProd] = t.prev // the run'"'"'s messages were in order'
	''
	'order forgets the messages of a run'

	sim/consume.go
	$'t.flushBits()\n\tc.progress.Store(t.n)'
	'c.progress.Store(t.n)'
	'the last gathered word is never written to the set'

	sim/engine.go
	'return r.cfg.Consumers == 1 &&'
	'return r.cfg.Consumers >= 1 &&'
	'order is judged with competing consumers'

	# Every consumer loop checks every message.
	sim/consume.go
	$'np = 0\n\t\t}\n\t\tif !t.addFast(&m) {\n\t\t\tt.addSlow(&m)\n\t\t}'
	$'np = 0\n\t\t}\n\t\tt.n++'
	'the loop with its own histogram counts without checking'

	sim/consume.go
	$'rec.recordShared(lat)\n\t\tif !t.addFast(&m) {\n\t\t\tt.addSlow(&m)\n\t\t}'
	$'rec.recordShared(lat)\n\t\tt.n++'
	'the loop with a shared histogram counts without checking'

	sim/consume.go
	$'if m := &b.msgs[i]; !t.addFast(m) {\n\t\t\t\t\tt.addSlow(m)\n\t\t\t\t}'
	$'_ = b.msgs[i]\n\t\t\t\tt.n++'
	'the batch loop counts without checking'

	sim/consume.go
	$'\tt.add(m)\n\tr.trace(c, m, lat)'
	$'\tt.n++\n\tr.trace(c, m, lat)'
	'the slow loop counts without checking'

	sim/consume.go
	$'c.warm++ // checked for exactly-once, kept out of latency and throughput\n\t} else {\n\t\trec.record(lat)\n\t\tivl.record(now, lat)\n\t}\n\tt.add(m)'
	$'c.warm++\n\t\tt.n++\n\t} else {\n\t\trec.record(lat)\n\t\tivl.record(now, lat)\n\t\tt.add(m)\n\t}'
	'deliveries during the warm-up are counted without checking'

	sim/nats_run.go
	'sb.t.add(&m)'
	'sb.t.n++'
	'NATS deliveries are counted without checking'

	sim/nats_run.go
	$'sb.t.n++\n\t\t\t\tsb.t.dups++'
	'sb.t.dups++'
	'an undecodable NATS message is not counted as a delivery'

	# The verdict.
	sim/collect.go
	'qr.Lost = qr.Sent - (qr.Delivered - qr.Duplicated)'
	'qr.Lost = qr.Sent - qr.Delivered'
	'a duplicate hides a loss: Lost = Sent - Delivered'

	sim/collect.go
	'qr.Sent += r.producers[i].sent[q]'
	'qr.Sent = r.producers[i].sent[q]'
	'a queue'"'"'s Sent counts only the last producer'

	# Throughput's one definition.
	sim/result.go
	'return perSecond(r.MeasuredDeliveries(), r.MeasuredTime())'
	'return perSecond(r.Delivered, r.Elapsed)'
	'throughput counts the warm-up'

	sim/result.go
	'return perSecond(q.Delivered-q.WarmupDeliveries, r.MeasuredTime())'
	'return perSecond(q.Delivered, r.Elapsed)'
	"a queue's throughput counts the warm-up"

	# The verdict, the same in every command.
	invoke/verdict.go
	'v.raise(Interrupted, "interrupted; the report is partial")'
	'v.raise(Passed, "interrupted; the report is partial")'
	'an interrupted run does not exit 130'

	invoke/verdict.go
	'v.raise(Broken, "the transport failed mid-run: "+r.TransportError)'
	'v.raise(Failed, "the transport failed mid-run: "+r.TransportError)'
	'a broker failing mid-run is not exit 3'

	invoke/verdict.go
	'		if !r.OK() && r.Unjudged == "" {'
	'		if i == 0 && !d.Result.OK() && r.Unjudged == "" {'
	'only the reported run is checked, not every repeat'

	invoke/verdict.go
	'if c := d.Baseline; c != nil && c.Regressed() {'
	'if c := d.Baseline; c != nil && false {'
	'a regression passes'

	check/baseline.go
	'd.Regressed = worse > maxRegression+1e-9 && (d.Significant || !d.Tested)'
	'd.Regressed = worse > maxRegression+1e-9'
	'noise the runs cannot tell from chance fails a baseline'

	check/baseline.go
	'd.Regressed = worse > maxRegression+1e-9 && (d.Significant || !d.Tested)'
	'd.Regressed = worse > maxRegression+1e-9 && d.Significant'
	'with too few runs to test, nothing ever regresses'

	invoke/session.go
	'				v.raise(pv.Status, label(axes, p)+": "+problem)'
	'				_ = problem'
	"a sweep ignores its points' verdicts"

	invoke/session.go
	'	if v.Status != Passed {'
	'	if false {'
	'a failed run is saved as a baseline'

	check/assert.go
	'out[i] = Outcome{Assertion: a, NoSamples: true}'
	'out[i] = Outcome{Assertion: a, NoSamples: true, OK: true}'
	'an assertion with no samples passes'

	check/assert.go
	'		return throughput(), measured > 0 && res.MeasuredTime() > 0'
	'		return throughput(), true'
	'a throughput with nothing measured has a value'

	report/baseline.go
	'	if !*doc.OK {'
	'	if false {'
	'a baseline from a run that failed its check is accepted'

	report/baseline.go
	'		if !(tp > 0) || math.IsInf(tp, 0) {'
	'		if math.IsInf(tp, 0) {'
	'a baseline with zero or negative throughput is accepted'

	report/baseline.go
	'	if _, err := dec.Token(); !errors.Is(err, io.EOF) {'
	'	if false {'
	'a baseline with trailing garbage is accepted'


	# Split NATS runs: one verdict over processes, judged against what was sent.
	sim/nats_account.go
	'		vq.Lost = vq.Sent - distinct[q]'
	'		vq.Lost = vq.Sent - vq.Delivered'
	"a split run's loss ignores duplicates across processes"

	sim/nats_account.go
	'		markBits(s.chunk(slot), slot, w, false)'
	'		_ = w'
	"a consumer process's seen bits are not merged"

	sim/nats_roles.go
	'	r.takeSent(end.Sent, end.Produced)'
	'	_ = end'
	'a consumer process judges loss against the plan, not what was sent'

)

# count prints how many times $2 occurs in $1.
count() {
	local rest=${1//"$2"/}
	echo $(((${#1} - ${#rest}) / ${#2}))
}

# contents prints file $1, trailing newlines included (a bare $(cat) would
# drop them).
contents() { cat "$1" && printf x; }

# Check every snippet before spending any time on builds.
selected=()
for ((i = 0; i < ${#mutants[@]}; i += 4)); do
	file=${mutants[i]} old=${mutants[i + 1]} what=${mutants[i + 3]}
	[[ -z $only || $what == *"$only"* ]] || continue
	src=$(contents "$root/$file")
	if n=$(count "$src" "$old") && [ "$n" -ne 1 ]; then
		echo "mutant \"$what\": its snippet occurs $n times in $file, want once; update the list:" >&2
		printf '%s\n' "$old" >&2
		exit 2
	fi
	selected+=("$i")
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Two lanes, each with its own copy of the repository, build and run
# mutants side by side: a build is mostly a single-threaded link.
lanes=${MUTANT_LANES:-2}
for ((l = 0; l < lanes; l++)); do
	mkdir "$tmp/$l"
	for f in "$root"/* "$root"/.[!.]*; do
		[ "$(basename "$f")" = .git ] || cp -R "$f" "$tmp/$l/"
	done
done

# build compiles lane $1's tests of package $2 once (without DWARF: linking
# is most of the time); check runs that package's defending tests in it.
build() { (cd "$tmp/$1" && go test -vet=off -ldflags=-w -c -o "$tmp/$1/$2.test" "./$2") >"$tmp/$1/build.log" 2>&1; }
# A mutant is caught at its first failing test: -test.failfast stops there.
check() { (cd "$tmp/$1/$2" && "$tmp/$1/$2.test" -test.run "$(tests_of "$2" "${3:-}")" -test.failfast -test.count 1 -test.timeout 60s) >"$tmp/$1/test.log" 2>&1; }

echo "== unmutated tree"
for pkg in sim invoke check report; do
	if ! build 0 "$pkg" || ! check 0 "$pkg"; then
		cat "$tmp/0/build.log" "$tmp/0/test.log" 2>/dev/null
		echo "the unmutated tree fails the $pkg tests: mutants would prove nothing"
		exit 1
	fi
done
echo "passes ($((SECONDS - start))s)"

# lane runs every lanes-th selected mutant in lane $1's copy and prints one
# line per mutant, its verdict first.
lane() {
	local l=$1 j i file old new what src t0
	for ((j = l; j < ${#selected[@]}; j += lanes)); do
		i=${selected[j]}
		file=${mutants[i]} old=${mutants[i + 1]} new=${mutants[i + 2]} what=${mutants[i + 3]}
		src=$(contents "$root/$file")
		src=${src%x}
		printf '%s' "${src/"$old"/"$new"}" >"$tmp/$l/$file"
		t0=$SECONDS
		pkg=$(dirname "$file")
		if ! build "$l" "$pkg"; then
			echo "BROKEN    $what  ($file): the mutant does not compile"
			head -20 "$tmp/$l/build.log"
		elif check "$l" "$pkg" "$what"; then
			echo "SURVIVED  $what  ($file)"
		else
			echo "caught    $what  ($((SECONDS - t0))s)"
		fi
		cp "$root/$file" "$tmp/$l/$file"
	done
}

for ((l = 0; l < lanes; l++)); do
	lane "$l" | tee "$tmp/$l.out" &
done
wait

results=$(cat "$tmp"/*.out)
caught=$(count "$results" "caught    ")
survived=$(count "$results" "SURVIVED  ")
broken=$(count "$results" "BROKEN    ")
echo "== $caught caught, $survived survived, $broken did not compile; $((SECONDS - start))s"
[ "$survived" -eq 0 ] && [ "$broken" -eq 0 ] && [ "$caught" -eq $((${#selected[@]})) ]
