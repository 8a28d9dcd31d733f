package sim

import (
	"fmt"
	"net/url"
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
// connects: each must parse and name a host. Its errors never print a
// URL's secrets.
func ParseURLs(urls string) error {
	for i, p := range strings.Split(urls, ",") {
		p = strings.TrimSpace(p)
		if !strings.Contains(p, "://") {
			p = "nats://" + p // as the client reads host:port
		}
		u, err := url.Parse(p)
		if err != nil || u.Hostname() == "" || (u.Scheme != "" && u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss") {
			// Not echoed: a URL that does not parse may hold a secret
			// anywhere in it.
			return &FieldError{"nats-url", fmt.Sprintf("URL %d of the list", i+1), "URLs such as nats://host:4222, comma-separated (schemes nats, tls, ws, wss)"}
		}
	}
	return nil
}
