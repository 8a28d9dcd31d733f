package scenario_test

import (
	"strings"
	"testing"

	"github.com/msgsim/msgsim/scenario"
)

// Every class of problem a file can have, each with the exact line and
// column of the node at fault and the whole message a user reads.
func TestParseReportsEveryProblemWhereItIs(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"an unknown key is named with the nearest known one", `
topology: {producers: 1, queues: 3, consumrs: 2}
phases:
  - name: warm
    duraton: 5s
`, []string{
			`t.yaml:2:37: unknown key "consumrs" in topology (did you mean consumers?)`,
			`t.yaml:5:5: unknown key "duraton" in phases[0] (did you mean duration?)`,
		}},
		{"an unknown key with no near one lists the known ones", `
topology: {colour: blue}
phases: [{name: a, duration: 1s}]
`, []string{
			`t.yaml:2:12: unknown key "colour" in topology (want batch, buffer, consumers, dispatch, keys, producers, queues)`,
		}},
		{"a value of the wrong type says what it got and what belongs there", `
topology: 3
payload: [fixed]
phases: {name: a}
`, []string{
			`t.yaml:2:11: topology: got "3", not a mapping (want the topology: producers, queues, consumers, dispatch, keys, buffer, batch)`,
			`t.yaml:3:10: payload: got a list, not a mapping (want the payload: dist, size, min, max, stddev, histogram)`,
			`t.yaml:4:9: phases: got a mapping, not a list (want a list of phases, each starting with -)`,
		}},
		{"numbers that are not numbers, or not whole, or out of range", `
topology: {producers: many, queues: 2.5, consumers: 0, buffer: -1}
phases:
  - name: a
    messages: 1.5
    work: {mean: [1ms]}
`, []string{
			`t.yaml:2:23: topology.producers: "many" is not a number (want a whole number from 1 to 100,000, such as 100, 10k or 1e6)`,
			`t.yaml:2:37: topology.queues: 2.5 is not a whole number (want a whole number from 1 to 1,000,000, such as 100, 10k or 1e6)`,
			`t.yaml:2:53: topology.consumers: 0 is out of range (want a whole number from 1 to 10,000,000, such as 100, 10k or 1e6)`,
			`t.yaml:2:64: topology.buffer: -1 is negative (want a whole number from 0 to 16,777,216, such as 100, 10k or 1e6)`,
			`t.yaml:5:15: phases[0].messages: 1.5 is not a whole number (want a whole number from 1 to 1,000,000,000,000, such as 100, 10k or 1e6)`,
			`t.yaml:6:18: phases[0].work.mean: got a list, not a single value (want a duration such as 500ms, 5s or 1m30s)`,
		}},
		{"negative, zero and unitless durations", `
phases:
  - {name: a, duration: -5s}
  - {name: b, duration: 0}
  - {name: c, duration: 5}
  - {name: d, duration: soon}
`, []string{
			`t.yaml:3:25: phases[0].duration: -5s is negative (want a duration such as 500ms, 5s or 1m30s)`,
			`t.yaml:4:25: phases[1].duration: 0 (want a length above 0, such as 5s)`,
			`t.yaml:5:25: phases[2].duration: 5 has no unit (want a duration such as 500ms, 5s or 1m30s)`,
			`t.yaml:6:25: phases[3].duration: "soon" is not a duration (want a duration such as 500ms, 5s or 1m30s)`,
		}},
		{"negative, zero and absurd rates", `
phases:
  - {name: a, duration: 1s, arrival: {pattern: constant, rate: -1k}}
  - {name: b, duration: 1s, arrival: {pattern: constant, rate: 0}}
  - {name: c, duration: 1s, arrival: {pattern: constant, rate: 5G}}
  - {name: d, duration: 1s, arrival: {pattern: constant, rate: fast}}
`, []string{
			`t.yaml:3:64: phases[0].arrival.rate: -1k is negative (want msgs/s such as 500, 10k or 2.5M)`,
			`t.yaml:4:64: phases[1].arrival.rate: 0 sends nothing (want msgs/s such as 500, 10k or 2.5M; for as fast as consumers take, pattern: closed)`,
			`t.yaml:5:64: phases[2].arrival.rate: 5G is out of range (want 0.000278 to 1,000,000,000 msgs/s: a message an hour from each producer at least)`,
			`t.yaml:6:64: phases[3].arrival.rate: "fast" is not a rate (want msgs/s such as 500, 10k or 2.5M)`,
		}},
		{"a phase has a duration or a message count, not both, not neither", `
phases:
  - name: a
    duration: 5s
    messages: 10k
  - name: b
    arrival: {pattern: closed}
`, []string{
			`t.yaml:5:5: phases[0]: give duration or messages, not both (a phase ends after one of them)`,
			`t.yaml:6:5: phases[1]: has no length (want duration: 10s, or messages: 10k per producer)`,
		}},
		{"phase names are unique, and not a queue's or a metric's", `
phases:
  - {name: a, duration: 1s}
  - {name: a, duration: 1s}
  - {name: q1, duration: 1s}
  - {name: p99, duration: 1s}
  - {name: 9lives, duration: 1s}
  - {duration: 1s}
`, []string{
			`t.yaml:4:12: phases[1].name: "a" names the phase at line 3 too; each phase needs its own name`,
			`t.yaml:5:12: phases[2].name: "q1" is taken by assertions (a queue or a metric); choose another`,
			`t.yaml:6:12: phases[3].name: "p99" is taken by assertions (a queue or a metric); choose another`,
			`t.yaml:7:12: phases[4].name: "9lives" is not a phase name (want a letter, then letters, digits, - or _, at most 32: assertions name phases as NAME.p99)`,
			`t.yaml:8:5: phases[5]: has no name (want name: warm, steady, …; reports and assertions refer to phases by it)`,
		}},
		{"a start that overlaps the phase before or leaves a gap", `
phases:
  - {name: a, duration: 10s}
  - {name: b, start: 8s, duration: 1s}
  - {name: c, start: 12s, duration: 1s}
  - {name: d, messages: 100}
  - {name: e, start: 13s, duration: 1s}
`, []string{
			`t.yaml:4:22: phases[1].start: 8s overlaps the phase before, which runs until 10s (phases run one after another)`,
			`t.yaml:5:22: phases[2].start: 12s leaves a gap of 1s after the phase before, which ends at 11s (phases run back to back)`,
			`t.yaml:7:22: phases[4].start: 13s cannot be promised: an earlier phase ends after a message count in a closed loop, whenever that is`,
		}},
		{"faults after their phase ends, or lasting past it", `
phases:
  - name: a
    duration: 5s
    faults:
      - {at: 6s, kind: crash, queue: 0, consumer: 1}
      - {at: 5s, kind: crash, queue: 0, consumer: 0}
      - {at: 4s, kind: pause, queue: 1, consumer: 0, for: 2s}
`, []string{
			`t.yaml:6:14: phases[0].faults[0].at: 6s is after phase "a" ends (it lasts 5s)`,
			`t.yaml:7:14: phases[0].faults[1].at: 5s is after phase "a" ends (it lasts 5s)`,
			`t.yaml:8:59: phases[0].faults[2].for: 2s runs past phase "a"'s end at 5s (want at most 1s, or 0 for until the phase ends)`,
		}},
		{"queue and consumer indices are judged by the counts earlier phases set", `
topology: {queues: 2, consumers: 2}
phases:
  - name: a
    duration: 5s
    faults:
      - {at: 1s, kind: pause, queue: 2, consumer: 0}
      - {at: 1s, kind: pause, queue: 1, consumer: 2}
  - name: b
    duration: 5s
    consumers: [{queue: 1, count: 4}, {queue: all, count: 1}, {queue: 0, count: 3}]
  - name: c
    duration: 5s
    faults:
      - {at: 1s, kind: pause, queue: 1, consumer: 3}
      - {at: 1s, kind: pause, queue: 0, consumer: 2}
`, []string{
			`t.yaml:7:38: phases[0].faults[0].queue: 2 is not a queue of this scenario (want 0..1)`,
			`t.yaml:8:51: phases[0].faults[1].consumer: 2 is not a consumer of queue 1 in phase "a" (it has 0..1, set by topology.consumers)`,
			`t.yaml:15:51: phases[2].faults[0].consumer: 3 is not a consumer of queue 1 in phase "c" (it has 0..0, set by phase "b")`,
		}},
		{"a consumer count names each queue once, and a queue that exists", `
topology: {queues: 2}
phases:
  - name: a
    duration: 1s
    consumers: [{queue: 0, count: 2}, {queue: 0, count: 3}, {queue: 5, count: 1}, {queue: 1}]
`, []string{
			`t.yaml:6:47: phases[0].consumers[1].queue: queue 0 is set by phases[0].consumers[0] already`,
			`t.yaml:6:69: phases[0].consumers[2].queue: 5 is not a queue of this scenario (want 0..1, or all)`,
			`t.yaml:6:83: phases[0].consumers[3]: needs count (a count is {queue: INDEX or all, count: N})`,
		}},
		{"faults replayed per consumer: nothing after a crash, no overlaps, resume only what is in effect", `
phases:
  - name: a
    duration: 10s
    work: {mean: 1ms}
    faults:
      - {at: 1s, kind: crash, queue: 0, consumer: 1}
      - {at: 2s, kind: pause, queue: 0, consumer: 1}
      - {at: 1s, kind: slow, queue: 0, consumer: 0, factor: 2, for: 3s}
      - {at: 2s, kind: slow, queue: 0, consumer: 0, factor: 3}
      - {at: 5s, kind: resume, queue: 0, consumer: 0}
  - name: b
    duration: 1s
    faults:
      - {at: 0s, kind: pause, queue: 0, consumer: 1}
`, []string{
			`t.yaml:8:9: phases[0].faults[1]: consumer 1 of queue 0 is down: it crashed at 1s (phases[0].faults[0]), and a crashed consumer stays down (a consumers count for its queue brings it back)`,
			`t.yaml:10:9: phases[0].faults[3]: slow at 2s overlaps phases[0].faults[2], which slows consumer 0 of queue 0 until 4s`,
			`t.yaml:11:9: phases[0].faults[4]: resume at 5s: consumer 0 of queue 0 is neither paused nor slowed then`,
			`t.yaml:15:9: phases[1].faults[0]: consumer 1 of queue 0 is down: it crashed in phase "a" (phases[0].faults[0]), and a crashed consumer stays down (a consumers count for its queue brings it back)`,
		}},
		{"a phase ended by its count needs a consumer on every queue to take it", `
topology: {producers: 1, queues: 2, consumers: 2}
phases:
  - name: a
    duration: 1s
    faults:
      - {at: 0s, kind: crash, queue: 1, consumer: 0}
  - name: b
    messages: 1000
    faults:
      - {at: 0s, kind: pause, queue: 1, consumer: 1}
      - {at: 0s, kind: pause, queue: 0, consumer: 0, for: 1s}
      - {at: 0s, kind: pause, queue: 0, consumer: 1}
  - name: c
    messages: 1000
    consumers: 2
    faults:
      - {at: 0s, kind: pause, queue: 0, consumer: 0}
      - {at: 0s, kind: pause, queue: 0, consumer: 1}
      - {at: 1s, kind: resume, queue: 0, consumer: 1}
`, []string{
			`t.yaml:9:15: phases[1].messages: phase "b" ends when its 1,000 messages per producer are sent, but queue 1 has no consumer to take them (consumer 0 crashed in phase "a" (phases[0].faults[0]); consumer 1 is paused by phases[1].faults[0]): the run would never end; give the pause a for: or a resume, add consumers, or give the phase a duration`,
		}},
		{"an assertion names a phase of the file, and only the whole run's may; a phase's names no queue", `
phases:
  - name: burst
    messages: 1k
    assert: ["other.p99<=1s", "q0.p99<=1s"]
assert: ["nosuch.p99<=1s", "burst.p99<=10s"]
`, []string{
			`t.yaml:5:14: phases[0].assert: "other.p99<=1s" names phase "other": a phase's assertions are about that phase (the whole run's assert can name any phase)`,
			`t.yaml:5:31: phases[0].assert: "q0.p99<=1s" names queue q0: a phase's metrics are over all its queues (msgsim keeps no phase per queue)`,
			`t.yaml:6:10: assert: "nosuch.p99<=1s": phase "nosuch" does not exist (this run has burst)`,
		}},
		{"a fault's keys fit its kind", `
phases:
  - name: a
    duration: 10s
    faults:
      - {at: 1s, kind: slow, queue: 0, consumer: 0, factor: 2}
      - {at: 1s, kind: crash, queue: 0, consumer: 1, for: 1s, factor: 2}
      - {at: 1s, kind: explode, queue: 0, consumer: 1}
      - {kind: pause}
`, []string{
			`t.yaml:6:24: phases[0].faults[0]: slow has nothing to slow: phase "a" has no work (work.mean is 0)`,
			`t.yaml:7:54: phases[0].faults[1].for: only applies to kind: pause or slow (a crash is an instant)`,
			`t.yaml:7:63: phases[0].faults[1].factor: only applies to kind: slow`,
			`t.yaml:8:24: phases[0].faults[2].kind: "explode" is not allowed (want pause, resume, slow, crash)`,
			`t.yaml:9:9: phases[0].faults[3]: needs at, queue, consumer (a fault is {at, kind, queue, consumer})`,
		}},
		{"a ramp needs from and to; an arrival takes only its pattern's keys", `
phases:
  - name: a
    duration: 5s
    arrival: {pattern: ramp, to: 10k}
  - name: b
    duration: 5s
    arrival: {pattern: closed, rate: 1k}
  - name: c
    duration: 5s
    arrival: {rate: 1k}
`, []string{
			`t.yaml:5:14: phases[0].arrival: pattern: ramp needs from (the rate at the phase's start) and to (the rate at its end)`,
			`t.yaml:8:32: phases[1].arrival.rate: does not apply to pattern: closed (a closed loop has no rate: producers send as fast as consumers take)`,
			`t.yaml:11:14: phases[2].arrival: needs pattern (want closed, constant, ramp, steps, spike)`,
		}},
		{"steps start at 0, go forward in time and end inside the phase", `
phases:
  - name: a
    duration: 5s
    arrival:
      pattern: steps
      steps:
        - {at: 1s, rate: 1k}
        - {at: 2s, rate: 2k}
        - {at: 2s, rate: 3k}
        - {at: 6s, rate: 3k}
`, []string{
			`t.yaml:8:16: phases[0].arrival.steps[0].at: 1s: the first step starts the phase (want at: 0)`,
			`t.yaml:10:16: phases[0].arrival.steps[2].at: 2s is not after the step before (2s); steps go forward in time`,
			`t.yaml:11:16: phases[0].arrival.steps[3].at: 6s is never reached: the phase lasts 5s`,
		}},
		{"a spike rises above its base and ends inside its phase", `
phases:
  - name: a
    duration: 2s
    arrival: {pattern: spike, rate: 1k, spike: {at: 1s, for: 2s, rate: 500}}
`, []string{
			`t.yaml:5:48: phases[0].arrival.spike: ends at 3s, after the phase's end: the phase lasts 2s`,
			`t.yaml:5:72: phases[0].arrival.spike.rate: 500 is not above the base rate 1.00k (a spike rises; for a dip use steps)`,
		}},
		{"assertions are checked as --assert checks them", `
assert: ["p99<=5", "latency<1ms", "q3.p99<1ms"]
phases:
  - name: a
    duration: 1s
    assert: "p99=>2ms"
`, []string{
			`t.yaml:2:10: assert: "p99<=5": p99 is a duration, so "5" does not fit (want a duration with a unit such as 2ms, 250us or 1.5s)`,
			`t.yaml:2:20: assert: "latency<1ms": unknown metric "latency" (want one of bytes_per_s, delivered, duplicated, elapsed, lost, max, mean, min, p50, p90, p99, p999, stddev, throughput)`,
			`t.yaml:2:35: assert: "q3.p99<1ms": queue q3 does not exist (this run has q0..q2)`,
			`t.yaml:6:13: phases[0].assert: "p99=>2ms": "=>" is not an operator (did you mean >=?)`,
		}},
		{"payload bounds and keys fit the distribution", `
payload: {dist: uniform, min: 100, max: 10, size: 50}
phases: [{name: a, duration: 1s}]
`, []string{
			`t.yaml:2:41: payload.max: 10 is below min 100`,
			`t.yaml:2:45: payload.size: does not apply to dist: uniform (it takes min, max)`,
		}},
		{"a normal payload needs its mean and spread, within its clamps", `
payload: {dist: normal, size: 512, min: 600}
phases: [{name: a, duration: 1s}]
`, []string{
			`t.yaml:2:10: payload: dist: normal needs size (the mean, in bytes) and stddev`,
			`t.yaml:2:41: payload.min: 600 is above the mean size 512`,
		}},
		{"a histogram lists each size once with a positive weight", `
payload:
  dist: histogram
  histogram:
    - {size: 64, weight: 2}
    - {size: 64, weight: 0}
    - {size: 1k}
`, []string{
			`t.yaml:2:1: the scenario has no phases (want phases: a list, each with a name and a duration or messages)`,
			`t.yaml:6:14: payload.histogram[1].size: 64 is listed already (payload.histogram[0]); give each size once`,
			`t.yaml:6:26: payload.histogram[1].weight: 0 is out of range (want a number above 0)`,
			`t.yaml:7:7: payload.histogram[2]: needs weight (how often this size occurs, relative to the others)`,
		}},
		{"an empty list of phases", `phases: []`, []string{
			`t.yaml:1:9: phases: empty (want at least one phase with a name and a duration or messages)`,
		}},
		{"keys that cannot have an effect are refused", `
topology: {keys: 10, buffer: 64}
transport: nats
max_regression: 5%
phases:
  - name: a
    duration: 1s
    work: {mean: 0, kind: sleep}
`, []string{
			`t.yaml:2:18: topology.keys: only applies with dispatch: key (this scenario's dispatch is fanout)`,
			`t.yaml:2:30: topology.buffer: only applies with transport: chan (over NATS the server buffers)`,
			`t.yaml:3:12: transport: nats cannot be steered yet (want chan: msgsim run follows phases over Go channels)`,
			`t.yaml:4:17: max_regression: only applies with a baseline`,
			`t.yaml:8:21: phases[0].work.kind: does not apply without work (mean is 0)`,
		}},
		{"a message count that takes longer than a run may last", `
phases:
  - {name: a, messages: 1T, arrival: {pattern: constant, rate: 1}}
`, []string{
			`t.yaml:3:25: phases[0].messages: 1,000,000,000,000 per producer would take longer than 168h0m0s at this arrival rate`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenario.Parse("t.yaml", []byte(tt.file))
			if s != nil {
				t.Errorf("a file with problems gave a scenario")
			}
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
