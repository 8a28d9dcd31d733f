package watch

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the view answers, with its help.
type keyMap struct {
	Next, Prev, Add, Remove, Faster, Slower, MoreWork, LessWork, Pause, Crash, Freeze, Help, Quit, Interrupt key.Binding
}

func defaultKeys() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Next:      b("→/tab", "next queue", "right", "tab"),
		Prev:      b("←", "previous queue", "left", "shift+tab"),
		Add:       b("+", "add a consumer", "+", "="),
		Remove:    b("-", "remove a consumer", "-", "_"),
		Faster:    b("↑", "rate +25%", "up"),
		Slower:    b("↓", "rate −20%", "down"),
		MoreWork:  b(">", "work +25%", ">", "."),
		LessWork:  b("<", "work −20%", "<", ","),
		Pause:     b("p", "pause/resume producers", "p"),
		Crash:     b("c", "crash a consumer", "c"),
		Freeze:    b("space", "freeze the view", " "),
		Help:      b("?", "all keys", "?"),
		Quit:      b("q", "end the run, then the report", "q"),
		Interrupt: b("ctrl+c", "interrupt (exit 130)", "ctrl+c"),
	}
}

// ShortHelp is the one line under the frame.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Add, k.Remove, k.Faster, k.Slower, k.Pause, k.Crash, k.Freeze, k.Help, k.Quit}
}

// FullHelp is what ? shows.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Prev, k.Add, k.Remove, k.Crash},
		{k.Faster, k.Slower, k.MoreWork, k.LessWork, k.Pause},
		{k.Freeze, k.Help, k.Quit, k.Interrupt},
	}
}
