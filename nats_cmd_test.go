package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Secrets never print: a password or token in --nats-url appears in no
// format, no file and no error line.
func TestCLISecretsNeverPrint(t *testing.T) {
	const user, password = "alice", "Pa55word"
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true, Username: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	defer ns.Shutdown()
	port := ns.Addr().(interface{ String() string }).String()
	good := fmt.Sprintf("nats://%s:%s@%s", user, password, port)
	dir := t.TempDir()
	var runs [][]string
	for _, f := range []string{"table", "json", "csv", "markdown", "gobench"} {
		runs = append(runs, []string{"--format", f})
	}
	runs = append(runs,
		[]string{"--format", "json", "-o", filepath.Join(dir, "out.json"), "--save-baseline", filepath.Join(dir, "base.json")},
		[]string{"--nats-url", fmt.Sprintf("nats://%s:wrong%s@%s", user, password, port)}, // refused by the server
		[]string{"--nats-url", fmt.Sprintf("nats://%s:%s@127.0.0.1:1", user, password)},   // nothing listens
		[]string{"--nats-url", fmt.Sprintf("nats://%s:%s@h%%zz:1", user, password)},       // does not parse
		[]string{"--nats-url", fmt.Sprintf("nats://%s:%s@%s", user, password, port), "--drain-timeout", "0"},
	)
	for _, extra := range runs {
		args := append([]string{"--transport", "nats", "--nats-url", good, "-n", "200", "-q", "1", "-c", "1"}, extra...)
		r := msgsim(t, nil, args...)
		for _, secret := range []string{password, user + ":"} {
			if strings.Contains(r.stdout, secret) || strings.Contains(r.stderr, secret) {
				t.Errorf("%v: the secret %q printed:\n%s%s", extra, secret, r.stdout, r.stderr)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("want the report and the baseline written, got %v", entries)
	}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), password) || !strings.Contains(string(b), "REDACTED@") {
			t.Errorf("%s holds the secret, or no redacted URL", e.Name())
		}
	}
}

func TestCLINATS(t *testing.T) {
	r := msgsim(t, nil, "--transport", "nats", "-n", "5000", "--format", "json")
	var doc struct {
		OK            bool
		Delivered     int64
		SlowConsumers int64 `json:"slow_consumers"`
		Config        struct{ Transport string }
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &doc) != nil || !doc.OK || doc.Delivered != 15_000 || doc.Config.Transport != "nats" {
		t.Fatalf("exit %d, stderr %q, %+v", r.code, r.stderr, doc)
	}
	// (It answers in milliseconds by hand: `time msgsim --transport nats --nats-url nats://127.0.0.1:1`;
	// no wall-clock assertion here.)
	down := msgsim(t, nil, "--transport", "nats", "--nats-url", "nats://127.0.0.1:1", "-n", "10")
	if down.code != 3 || down.stdout != "" || !strings.Contains(down.stderr, "cannot connect to nats://127.0.0.1:1") || strings.Count(down.stderr, "\n") != 1 {
		t.Fatalf("unreachable server: exit %d, stderr %q", down.code, down.stderr)
	}
	role := msgsim(t, nil, "--transport", "nats", "--role", "consumer")
	if role.code != 2 || !strings.Contains(role.stderr, "--role: consumer is not allowed here (want --run-id and --seed set") {
		t.Fatalf("exit %d, stderr %q", role.code, role.stderr)
	}
	bad := msgsim(t, nil, "--nats-url", "nats://x:1")
	if bad.code != 2 || !strings.Contains(bad.stderr, "--nats-url: only applies with --transport nats") {
		t.Fatalf("exit %d, stderr %q", bad.code, bad.stderr)
	}
}

// The same failure, the same exit code, in every command.
func TestCLIUnreachableBrokerIsExitThreeEverywhere(t *testing.T) {
	for _, cmd := range [][]string{nil, {"sweep", "--vary", "consumers=1,2"}, {"explain"}} {
		r := msgsim(t, nil, append(cmd, "--transport", "nats", "--nats-url", "nats://127.0.0.1:1", "-n", "10")...)
		if r.code != 3 || r.stdout != "" || !strings.Contains(r.stderr, "cannot connect to nats://127.0.0.1:1") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", cmd, r.code, r.stdout, r.stderr)
		}
	}
}
