package sim_test

import (
	"strings"
	"testing"

	"github.com/msgsim/msgsim/sim"
)

func TestRedactURLs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://alice:Pa55word@127.0.0.1:4222", "nats://REDACTED@127.0.0.1:4222"},
		{"nats://s3cretToken@host:4222", "nats://REDACTED@host:4222"},
		{"nats://a:b@h1:4222, nats://c:d@h2:4222", "nats://REDACTED@h1:4222,nats://REDACTED@h2:4222"},
		{"nats://al ice:Pa55 word@h%zz:1", "nats://REDACTED@h%zz:1"}, // unparseable, still redacted
	}
	for _, tt := range tests {
		if got := sim.RedactURLs(tt.in); got != tt.want {
			t.Errorf("RedactURLs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseURLs(t *testing.T) {
	for _, ok := range []string{"nats://127.0.0.1:4222", "nats://a:b@h:1,tls://h2:2", "localhost:4222", "h:1, h:2", "wss://h"} {
		if err := sim.ParseURLs(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, tt := range []struct{ in, why string }{
		{"nats://al ice:Pa55word@h%zz:1", "URL 1 of the list (does not parse)"},
		{"http://h:1", `URL 1 of the list (scheme "http")`},
		{"nats://", "URL 1 of the list (no host)"},
		{"nats://:4222", "URL 1 of the list (no host)"},
		{"nats://h:1,", "URL 2 of the list (empty)"},
		{"nats://h:1,nats://u:Pa55word@h:99999", "URL 2 of the list (port 99999, not 1..65535)"},
		{"nats://h:0", "URL 1 of the list (port 0, not 1..65535)"},
		{"nats://h:1,nats://u:Pa55word@h:1", "URL 2 of the list (the same server as URL 1)"},
	} {
		err := sim.ParseURLs(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.why) || strings.Contains(err.Error(), "Pa55word") {
			t.Errorf("%q: %v, want it to say %s", tt.in, err, tt.why)
		}
	}
}
