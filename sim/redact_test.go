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
	for _, ok := range []string{"nats://127.0.0.1:4222", "nats://a:b@h:1,tls://h2:2", "localhost:4222"} {
		if err := sim.ParseURLs(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"nats://al ice:Pa55word@h%zz:1", "http://h:1", "nats://", "nats://:4222"} {
		err := sim.ParseURLs(bad)
		if err == nil || strings.Contains(err.Error(), "Pa55word") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
