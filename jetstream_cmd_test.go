package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/twmb/franz-go/pkg/kfake"
)

// A JetStream run is judged against its delivery semantics: the same crash
// before the acknowledgement keeps at least once (its duplicate is shown)
// and breaks exactly once (exit 1).
func TestCLIJetStreamDelivery(t *testing.T) {
	base := []string{"--transport", "jetstream", "--dispatch", "roundrobin", "-n", "400", "-q", "1", "-c", "2", "--rate", "2k",
		"--ack-wait", "300ms", "--fault", "crash@50ms:q0.c1", "--format", "json"}
	for _, tc := range []struct {
		delivery string
		code     int
	}{{"at-least-once", 0}, {"exactly-once", 1}} {
		r := msgsim(t, nil, append(base, "--delivery", tc.delivery)...)
		var doc struct {
			OK           bool
			Lost         int64
			Duplicated   int64
			Redelivered  int64
			Config       struct{ Delivery string }
			BrokerFaults []struct {
				Happened   bool
				Held       int64
				RecoveryNs int64 `json:"recovery_ns"`
			} `json:"broker_faults"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != tc.code {
			t.Fatalf("%s: exit %d (want %d), stderr %q, %v", tc.delivery, r.code, tc.code, r.stderr, err)
		}
		if doc.Config.Delivery != tc.delivery || len(doc.BrokerFaults) != 1 || !doc.BrokerFaults[0].Happened ||
			doc.Duplicated != doc.BrokerFaults[0].Held || doc.Duplicated < 1 || doc.Lost != 0 || doc.OK != (tc.code == 0) {
			t.Fatalf("%s: %+v", tc.delivery, doc)
		}
		if tc.code == 1 && !strings.Contains(r.stderr, "check FAILED against exactly-once") {
			t.Fatalf("%s: stderr %q", tc.delivery, r.stderr)
		}
	}
}

// What a transport does not offer is refused before anything runs.
func TestCLIJetStreamRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--delivery", "exactly-once"}, "--delivery: exactly-once is not allowed here (want no --delivery over chan"},
		{[]string{"--transport", "nats", "--delivery", "at-least-once"}, "no --delivery over nats"},
		{[]string{"--fault", "crash@1s"}, "--fault: crash@1s:q0.c0 is not allowed here (want no --fault unless --transport jetstream"},
		{[]string{"--transport", "jetstream", "--nats-url", "nats://127.0.0.1:4222", "--fault", "restart@1s"}, "restart only with the embedded server"},
		{[]string{"--transport", "jetstream", "--ack-policy", "none"}, "--ack-policy: none is not allowed here"},
		{[]string{"--transport", "jetstream", "--delivery", "exactly-once", "--msg-id=false"}, "--msg-id=false: exactly once needs message ids"},
		{[]string{"--storage", "file"}, "--storage: only applies with --transport jetstream"},
		{[]string{"--transport", "jetstream", "--role", "producer"}, "--role: producer is not allowed here (want all over jetstream (split roles are for --transport nats))"},
		{[]string{"--transport", "jetstream", "--fault", "crash@1s:q9.c0"}, "a consumer of this run: queues q0..q2"},
	} {
		r := msgsim(t, nil, append(tc.args, "-n", "10")...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want %q)", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	down := msgsim(t, nil, "--transport", "jetstream", "--nats-url", "nats://127.0.0.1:1", "-n", "10")
	if down.code != 3 || down.stdout != "" || !strings.Contains(down.stderr, "cannot connect to nats://127.0.0.1:1") {
		t.Fatalf("unreachable server: exit %d, stderr %q", down.code, down.stderr)
	}
}

// A password in --nats-url prints nowhere over JetStream either.
func TestCLIJetStreamSecretsNeverPrint(t *testing.T) {
	const user, password = "alice", "Pa55word"
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true, Username: user, Password: password,
		JetStream: true, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	defer ns.Shutdown()
	port := ns.Addr().(interface{ String() string }).String()
	for _, extra := range [][]string{
		{"--format", "table"}, {"--format", "json"}, {"--format", "markdown"},
		{"--nats-url", fmt.Sprintf("nats://%s:wrong%s@%s", user, password, port)},
		{"--nats-url", fmt.Sprintf("nats://%s:%s@127.0.0.1:1", user, password)},
	} {
		args := append([]string{"--transport", "jetstream", "--nats-url", fmt.Sprintf("nats://%s:%s@%s", user, password, port), "-n", "200", "-q", "1", "-c", "1"}, extra...)
		r := msgsim(t, nil, args...)
		if strings.Contains(r.stdout+r.stderr, password) || strings.Contains(r.stdout+r.stderr, user+":") {
			t.Errorf("%v: the secret printed:\n%s%s", extra, r.stdout, r.stderr)
		}
		if len(extra) == 2 && extra[0] == "--format" && r.code != 0 {
			t.Errorf("%v: exit %d, stderr %q", extra, r.code, r.stderr)
		}
	}
}

// Kafka: what it does not offer is refused, and a SASL password prints
// nowhere, whether the cluster takes it or not.
func TestCLIKafka(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--transport", "kafka", "--delivery", "exactly-once"}, "--delivery: exactly-once is not allowed here (want at-most-once or at-least-once over kafka"},
		{[]string{"--transport", "kafka", "--fault", "restart@1s"}, "restart only over --transport jetstream"},
		{[]string{"--transport", "jetstream", "--fault", "rebalance@1s"}, "rebalance only over --transport kafka"},
		{[]string{"--transport", "kafka", "--kafka-password", "Pa55word"}, "--kafka-password: REDACTED is not allowed here"},
		{[]string{"--transport", "kafka", "--kafka-sasl", "plain", "--kafka-user", "u", "--kafka-password", "p"}, "--kafka-brokers"},
		{[]string{"--kafka-brokers", "h:1"}, "--kafka-brokers: only applies with --transport kafka"},
	} {
		r := msgsim(t, nil, append(tc.args, "-n", "10")...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "Pa55word") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want %q)", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	const user, password = "alice", "Pa55word"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", user, password))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := strings.Join(c.ListenAddrs(), ",")
	for _, tc := range []struct {
		pass string
		code int
	}{{password, 0}, {"wrong" + password, 3}} {
		for _, format := range []string{"table", "json"} {
			r := msgsim(t, []string{"MSGSIM_KAFKA_PASSWORD=" + tc.pass}, "--transport", "kafka", "--kafka-brokers", brokers, "--kafka-sasl", "plain",
				"--kafka-user", user, "-n", "200", "-q", "1", "-c", "1", "--format", format, "--drain-timeout", "2s")
			if r.code != tc.code || strings.Contains(r.stdout+r.stderr, password) {
				t.Errorf("password %q, %s: exit %d (want %d), or the secret printed:\n%s%s", tc.pass, format, r.code, tc.code, r.stdout, r.stderr)
			}
		}
	}
}
