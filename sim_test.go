package main

// The harness of the end-to-end tests: the msgsim binary, built once per
// test run, and msgsim(), which runs it. The tests live beside the command
// they test: cli_test.go, run_test.go, sweep_cmd_test.go, explain_cmd_test.go,
// nats_*_test.go.

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "msgsim-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "msgsim")
	// The msgsimfault tag adds MSGSIM_FAULT_DROP_EVERY, so exit code 1 can be
	// provoked; it changes nothing else.
	out, err := exec.Command("go", "build", "-tags", "msgsimfault", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func msgsim(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}
