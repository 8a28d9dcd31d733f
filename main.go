// Command msgsim runs a producer → queues → consumers simulation over Go
// channels, checks exactly-once delivery and reports throughput and latency.
// See README.md.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Catch SIGINT and SIGTERM from the first instant: a signal during
	// start-up must still mean exit 130, not the runtime's default death.
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	// A closed pipe on stdout is an output failure (exit 3, one line), not
	// a silent death by SIGPIPE: with SIGPIPE notified, writes return EPIPE.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	watchSignals(os.Stderr)
	os.Exit(exitCode(runApp(os.Args, os.Stdout, os.Stderr), os.Stderr))
}

// The kinds of failure, each with its exit code.
type (
	usageError       struct{ msg string } // 2: bad flags; nothing ran
	runtimeError     struct{ err error }  // 3: the broker or the output failed
	checkFailedError struct{ msg string } // 1: lost or duplicated deliveries
	interruptedError struct{ msg string } // 130: SIGINT/SIGTERM, partial report written
)

func (e usageError) Error() string       { return e.msg }
func (e runtimeError) Error() string     { return e.err.Error() }
func (e runtimeError) Unwrap() error     { return e.err }
func (e checkFailedError) Error() string { return e.msg }
func (e interruptedError) Error() string {
	if e.msg == "" {
		return "interrupted; the report is partial"
	}
	return e.msg
}

// exitCode maps an error to the process exit code, printing it as one line.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var files invalidFilesError
	if errors.As(err, &files) {
		return 2 // each problem has had its own line
	}
	fmt.Fprintf(stderr, "msgsim: %v\n", err)
	var (
		u usageError
		c checkFailedError
		i interruptedError
	)
	switch {
	case errors.As(err, &u):
		return 2
	case errors.As(err, &c):
		return 1
	case errors.As(err, &i):
		return 130
	}
	return 3
}
