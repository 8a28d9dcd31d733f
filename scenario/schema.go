package scenario

import _ "embed"

// schema is the JSON Schema (2020-12) of scenario files, for editors
// (yaml-language-server reads a "# yaml-language-server: $schema=" line)
// and for tools that check files without msgsim. Parse is the authority:
// the schema cannot say what depends on several fields at once (overlaps,
// faults after a phase's end, indices against changing consumer counts).
//
//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema of scenario files.
func Schema() []byte { return append([]byte(nil), schema...) }
