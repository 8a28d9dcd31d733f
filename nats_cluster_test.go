package main

// msgsim against a cluster of real nats-server processes: a server killed
// or frozen mid-run moves every connection to the next one, and the
// verdict still stands on what was delivered.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// natsCluster starts n routed nats-server processes and returns them and
// their client URLs, once every route is up.
func natsCluster(t *testing.T, n int) ([]*exec.Cmd, []string) {
	t.Helper()
	var clusterPorts, routes, monitors []string
	for range n {
		p := freePort(t)
		clusterPorts = append(clusterPorts, p)
		routes = append(routes, "nats://127.0.0.1:"+p)
		monitors = append(monitors, freePort(t))
	}
	var cmds []*exec.Cmd
	var urls []string
	for i := range n {
		cmd, url := natsServer(t, "-n", fmt.Sprintf("n%d", i+1), "-m", monitors[i], "--cluster_name", "msgsim",
			"--cluster", "nats://127.0.0.1:"+clusterPorts[i], "--routes", strings.Join(routes, ","))
		cmds, urls = append(cmds, cmd), append(urls, url)
	}
	for i := range n {
		for deadline := time.Now().Add(20 * time.Second); routesUp(monitors[i]) < n-1; {
			if time.Now().After(deadline) {
				t.Fatalf("server %d has %d routes, want %d", i+1, routesUp(monitors[i]), n-1)
			}
			time.Sleep(20 * time.Millisecond) // polling the server's monitor, not synchronising goroutines
		}
	}
	return cmds, urls
}

func routesUp(monitor string) int {
	resp, err := http.Get("http://127.0.0.1:" + monitor + "/routez")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var rz struct {
		Routes []struct {
			RemoteName string `json:"remote_name"`
		} `json:"routes"`
	}
	if json.NewDecoder(resp.Body).Decode(&rz) != nil {
		return 0
	}
	peers := map[string]bool{} // a server may hold several routes to one peer
	for _, r := range rz.Routes {
		peers[r.RemoteName] = true
	}
	return len(peers)
}

type clusterReport struct {
	natsReport
	Duplicated int64
	Failovers  []struct {
		Conn   string
		DownNs int64 `json:"down_ns"`
		UpNs   int64 `json:"up_ns"`
		Server string
	}
	Failover *struct {
		Lost int64
	}
}

// Killed or frozen, the first server's connections all move to the
// second; the run goes on to its planned end, and its verdict is that of
// the deliveries: exit 0 only if none was lost, 1 (check failed) if some
// were — never 3, the cluster was not lost.
func TestCLINATSClusterFailover(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGSTOP} {
		t.Run(sig.String(), func(t *testing.T) {
			servers, urls := natsCluster(t, 2)
			// A frozen server is found by missed pings (three, a second
			// apart): the run outlasts that.
			wait, _ := started(t, "received message", "--transport", "nats", "--nats-url", strings.Join(urls, ","),
				"-q", "2", "-c", "2", "--rate", "2k", "-d", "6s", "--interval", "500ms", "--trace", "1",
				"--drain-timeout", "1s", "--format", "json", "--progress", "never")
			if err := servers[0].Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			r := wait()
			var doc clusterReport
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("no json report (%v); exit %d, stderr:\n%s", err, r.code, r.stderr)
			}
			t.Logf("exit %d: sent %d, lost %d; failovers %+v", r.code, doc.Sent, doc.Lost, doc.Failovers)
			if doc.EndedBy != "duration" || doc.TransportError != "" {
				t.Fatalf("ended by %q, transport error %q; stderr:\n%s", doc.EndedBy, doc.TransportError, r.stderr)
			}
			// Three connections: the producer's and one per queue.
			if len(doc.Failovers) != 3 || doc.Failover == nil || doc.Failover.Lost != doc.Lost {
				t.Fatalf("failovers %+v, summary %+v, lost %d", doc.Failovers, doc.Failover, doc.Lost)
			}
			for _, f := range doc.Failovers {
				if f.UpNs < f.DownNs || f.Server != urls[1] {
					t.Fatalf("failover %+v, want a return to %s", f, urls[1])
				}
			}
			want := 0
			if doc.Lost > 0 || doc.Duplicated > 0 {
				want = 1
			}
			if r.code != want || doc.OK != (want == 0) || doc.Sent != doc.Delivered+doc.Lost-doc.Duplicated {
				t.Fatalf("exit %d (want %d), ok %v, sent %d, delivered %d, lost %d; stderr:\n%s", r.code, want, doc.OK,
					doc.Sent, doc.Delivered, doc.Lost, r.stderr)
			}
			if sig == syscall.SIGSTOP && doc.Lost == 0 {
				// Seconds of publishes went to a server that never passed
				// them on: a run that lost none did not measure this.
				t.Fatalf("a frozen server lost nothing: %+v", doc)
			}
		})
	}
}
