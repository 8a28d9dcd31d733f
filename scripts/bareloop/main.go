// Command bareloop is the reference for msgsim's memory at scale: the same
// goroutines as `msgsim -q Q -c C -n N -b B` (fan-out, one producer) with
// nothing but channels, a timestamp and a count per message. What msgsim
// uses beyond it is what msgsim itself costs. docs/memory.md and
// scripts/memory.sh run it beside msgsim.
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

// msg is as big as msgsim's message: 24 bytes.
type msg struct {
	id, sent int64
	_        int64
}

func main() {
	q := flag.Int("q", 1000, "queues")
	c := flag.Int("c", 1000, "consumers per queue")
	n := flag.Int64("n", 2000, "messages, each sent to every queue")
	b := flag.Int("b", 16, "channel buffer")
	flag.Parse()

	start := time.Now()
	queues := make([]chan msg, *q)
	for i := range queues {
		queues[i] = make(chan msg, *b)
	}
	counts := make([]int64, *q**c)
	var wg sync.WaitGroup
	wg.Add(len(counts))
	for i := range counts {
		go func(i int, ch <-chan msg) {
			defer wg.Done()
			var cnt, sum int64
			for m := range ch {
				cnt++
				sum += int64(time.Since(start)) - m.sent
			}
			counts[i] = cnt
			_ = sum
		}(i, queues[i / *c])
	}
	for i := range *n {
		m := msg{id: i, sent: int64(time.Since(start))}
		for _, ch := range queues {
			ch <- m
		}
	}
	for _, ch := range queues {
		close(ch)
	}
	wg.Wait()
	var total int64
	for _, v := range counts {
		total += v
	}
	// Peak RSS is measured from outside (GNU time), as for msgsim.
	fmt.Printf("bareloop: %d goroutines, %d deliveries in %v\n", len(counts), total, time.Since(start).Round(time.Millisecond))
	if total != *n*int64(*q) {
		os.Exit(1)
	}
}
