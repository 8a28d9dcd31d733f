package sim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// RedactURLs returns a comma-separated list of server URLs with every
// user info (user:password, or a token given as the user) replaced by
// "REDACTED", for reports, errors and files: secrets never print. A URL
// that does not parse loses everything before its last '@' the same way.
func RedactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = redactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err == nil && u.User != nil {
		u.User = url.User("REDACTED")
		return u.String()
	}
	if at := strings.LastIndex(s, "@"); at >= 0 {
		scheme := ""
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			scheme = s[:i+3]
		}
		return scheme + "REDACTED" + s[at:]
	}
	return s
}

// ParseURLs checks a comma-separated list of server URLs before anything
// connects: each must parse, name a host and a port in range, and appear
// once. Its errors say which URL and why, but never print a URL's secrets.
func ParseURLs(urls string) error {
	seen := map[string]int{}
	for i, p := range strings.Split(urls, ",") {
		p = strings.TrimSpace(p)
		bad := func(why string) error {
			return &FieldError{"nats-url", fmt.Sprintf("URL %d of the list (%s)", i+1, why), "URLs such as nats://host:4222, comma-separated (schemes nats, tls, ws, wss)"}
		}
		if p == "" {
			return bad("empty")
		}
		if !strings.Contains(p, "://") {
			p = "nats://" + p // as the client reads host:port
		}
		// Not echoed: a URL that does not parse may hold a secret anywhere
		// in it. Its scheme and port are safe to name.
		u, err := url.Parse(p)
		switch {
		case err != nil:
			return bad("does not parse")
		case u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss":
			return bad(fmt.Sprintf("scheme %q", u.Scheme))
		case u.Hostname() == "":
			return bad("no host")
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return bad("port " + port + ", not 1..65535")
			}
		}
		key := u.Scheme + "://" + u.Host
		if j, dup := seen[key]; dup {
			return bad(fmt.Sprintf("the same server as URL %d", j+1))
		}
		seen[key] = i
	}
	return nil
}
