package logging

import (
	"fmt"
	"os"
	"strconv"
)

// settings is the default logger's configuration as read from the environment.
type settings struct {
	level Level
	path  string
	// problems describes values that were ignored. They are logged once the
	// logger exists, instead of failing start-up.
	problems []string
}

// readSettings reads the REACTOR_ variables, falling back to gnet's names.
// getenv is a parameter so tests can supply an environment.
func readSettings(getenv func(string) string) settings {
	s := settings{level: InfoLevel}
	if name, v := lookup(getenv, "REACTOR_LOGGING_LEVEL", "GNET_LOGGING_LEVEL"); v != "" {
		if lvl, err := parseLevel(v); err != nil {
			s.problems = append(s.problems, fmt.Sprintf("ignoring %s: %v", name, err))
		} else {
			s.level = lvl
		}
	}
	_, s.path = lookup(getenv, "REACTOR_LOGGING_FILE", "GNET_LOGGING_FILE")
	return s
}

// lookup returns the first of the named variables that is set and non-empty.
func lookup(getenv func(string) string, names ...string) (name, value string) {
	for _, name := range names {
		if v := getenv(name); v != "" {
			return name, v
		}
	}
	return "", ""
}

// parseLevel accepts a level's number, as gnet does, or its name, which is
// easier to get right by hand.
func parseLevel(v string) (Level, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n < int(DebugLevel) || n > int(FatalLevel) {
			return 0, fmt.Errorf("level %d is outside %d..%d", n, DebugLevel, FatalLevel)
		}
		return Level(n), nil
	}
	var lvl Level
	if err := lvl.UnmarshalText([]byte(v)); err != nil {
		return 0, fmt.Errorf("%q is neither a level number nor a level name", v)
	}
	return lvl, nil
}

func init() {
	s := readSettings(os.Getenv)
	configured = s.level
	ws, err := openSink(s.path)
	if err != nil {
		s.problems = append(s.problems, fmt.Sprintf("logging to standard error instead: %v", err))
		ws = stderrSink()
	}
	zl := build(ws, s.level)
	install(zl)
	for _, p := range s.problems {
		zl.Sugar().Warnf("logging: %s", p)
	}
}
