package sim

import (
	"fmt"
	"testing"
)

// The tally's rules, one delivery sequence each, for the paths a run cannot
// steer deterministically (which consumer gets a message, where a run of
// messages starts). Each runs against a private and a shared seen set.
func TestTallyCounts(t *testing.T) {
	type msg struct {
		p    int32
		slot int64
	}
	tests := []struct {
		name        string
		size        int64
		order       bool
		msgs        []msg
		dups, reord int64
	}{
		{"in order, across words: nothing counted", 200, true, []msg{{0, 1}, {0, 2}, {0, 63}, {0, 64}, {0, 130}}, 0, 0},
		{"a copy right behind its original is a duplicate (and not later: out of order)", 200, true, []msg{{0, 5}, {0, 5}}, 1, 1},
		{"a copy right behind its original, order unchecked", 200, false, []msg{{0, 5}, {0, 5}}, 1, 0},
		{"a copy after a restarted run in its word is a duplicate (the fast path)", 200, false, []msg{{0, 5}, {0, 1}, {0, 5}}, 1, 0},
		{"a copy from another word is a duplicate (the seen set)", 200, false, []msg{{0, 5}, {0, 70}, {0, 5}}, 1, 0},
		{"a slot at the set's size was never sent", 200, false, []msg{{0, 199}, {0, 200}}, 1, 0},
		{"a slot far past the set was never sent", 200, true, []msg{{0, 1000}}, 1, 0},
		{"a negative slot was never sent", 200, true, []msg{{0, -1}}, 1, 0},
		{"a slot past the set within its last word was never sent", 100, false, []msg{{0, 97}, {0, 98}, {0, 99}, {0, 100}}, 1, 0},
		{"a message after a later one is out of order, once", 200, true, []msg{{0, 1}, {0, 3}, {0, 2}, {0, 4}}, 0, 1},
		{"a message after a later one in another word is out of order", 200, true, []msg{{0, 5}, {0, 6}, {0, 70}, {0, 7}}, 0, 1},
		{"order is per producer", 200, true, []msg{{0, 10}, {1, 110}, {0, 11}, {1, 105}}, 0, 1},
		{"a run of messages belongs to one producer", 200, true, []msg{{0, 70}, {1, 100}, {0, 71}, {1, 101}}, 0, 0},
	}
	for _, tt := range tests {
		for _, shared := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/shared=%v", tt.name, shared), func(t *testing.T) {
				tl := tally{seen: newSeenSet(tt.size, shared), size: uint64(tt.size), chunkAt: -1, word: -1, prev: noRun}
				if tt.order {
					tl.lastSlot = []int64{-1, -1}
				}
				for _, m := range tt.msgs {
					tl.add(&message{producer: m.p, slot: m.slot})
				}
				tl.flushBits() // as finish does
				if tl.n != int64(len(tt.msgs)) || tl.dups != tt.dups || tl.reord != tt.reord {
					t.Fatalf("n %d dups %d reordered %d, want %d %d %d", tl.n, tl.dups, tl.reord, len(tt.msgs), tt.dups, tt.reord)
				}
			})
		}
	}
}

// A seen set written by more than one consumer must be written atomically;
// key dispatch spreads each producer's slots over every queue, so its
// queues share one set.
func TestSeenSetsSharedWhenWrittenByMany(t *testing.T) {
	for _, d := range Dispatches {
		for _, tp := range [][2]int{{1, 1}, {1, 2}, {3, 1}, {3, 2}} {
			t.Run(fmt.Sprintf("%s/q=%d/c=%d", d, tp[0], tp[1]), func(t *testing.T) {
				cfg := DefaultConfig()
				cfg.Dispatch, cfg.Queues, cfg.Consumers, cfg.Messages = d, tp[0], tp[1], 100
				r := newRun(cfg, nil)
				writers := map[*seenSet]int{}
				for i := range r.consumers {
					writers[r.seen[r.consumers[i].queue]]++
				}
				if d == Key && len(writers) != 1 {
					t.Fatalf("key dispatch uses %d seen sets, want one", len(writers))
				}
				for s, n := range writers {
					if s.shared != (n > 1) {
						t.Errorf("a set written by %d consumers has shared = %v", n, s.shared)
					}
				}
			})
		}
	}
}
