package report

import "runtime"

// goos and goarch head gobench output, as go test prints them.
var goos, goarch = runtime.GOOS, runtime.GOARCH
