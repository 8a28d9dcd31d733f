package scenario_test

import (
	"fmt"
	"os"

	"github.com/msgsim/msgsim/scenario"
)

// A warm-up, then a ramp with a consumer crash: the planned timeline is
// what msgsim run FILE --dry-run prints.
func ExampleScenario_WriteTimeline() {
	s, err := scenario.Parse("crash.yaml", []byte(`
topology: {queues: 1, consumers: 2, buffer: 1k}
phases:
  - name: warm
    duration: 1s
    arrival: {pattern: constant, rate: 1k}
    work: {mean: 500us, kind: sleep}
  - name: ramp
    duration: 2s
    arrival: {pattern: ramp, from: 1k, to: 3k}
    faults: [{at: 500ms, kind: crash, queue: 0, consumer: 1}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	s.WriteTimeline(os.Stdout)
	// Output:
	// scenario crash
	// topology: 1 producer → 1 queue × 2 consumers, fanout, buffer 1,000
	// payload: fixed 16 B
	// seed: picked at the start and reported; 2 phases, planned length 3s
	//
	// 0s → 1s  warm (1s)
	//   arrival    constant 1.00k msgs/s, uniform
	//              about 1,000 messages in all
	//   work       500µs fixed, sleep
	//   consumers  2 consumers per queue
	//
	// 1s → 3s  ramp (2s)
	//   arrival    ramp 1.00k msgs/s → 3.00k msgs/s, uniform: 1.00k at 1s · 1.50k at 1.5s · 2.00k at 2s · 2.50k at 2.5s · 3.00k at 3s
	//              about 4,000 messages in all
	//   work       500µs fixed, sleep
	//   consumers  2 consumers per queue
	//   fault      at 1.5s (500ms in): crash c0.1 (the message it holds is lost)
}

// Every problem of a file at once, each at the node at fault.
func ExampleParse_problems() {
	_, err := scenario.Parse("bad.yaml", []byte(`
topology: {queues: 2}
phases:
  - name: warm
    duraton: 5s
  - name: ramp
    duration: 5s
    arrival: {pattern: ramp, from: 1k}
    faults: [{at: 6s, kind: crash, queue: 2, consumer: 0}]
`))
	fmt.Println(err)
	// Output:
	// bad.yaml:5:5: unknown key "duraton" in phases[0] (did you mean duration?)
	// bad.yaml:8:14: phases[1].arrival: pattern: ramp needs from (the rate at the phase's start) and to (the rate at its end)
	// bad.yaml:9:19: phases[1].faults[0].at: 6s is after phase "ramp" ends (it lasts 5s)
	// bad.yaml:9:43: phases[1].faults[0].queue: 2 is not a queue of this scenario (want 0..1)
}
