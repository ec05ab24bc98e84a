package logging

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap/zapcore"
)

// recorder is a Logger that keeps what it is given.
type recorder struct {
	mu      sync.Mutex
	entries []string
}

func (r *recorder) add(level, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries = append(r.entries, level+" "+fmt.Sprintf(format, args...))
}

func (r *recorder) Debugf(format string, args ...any) { r.add("DEBUG", format, args...) }
func (r *recorder) Infof(format string, args ...any)  { r.add("INFO", format, args...) }
func (r *recorder) Warnf(format string, args ...any)  { r.add("WARN", format, args...) }
func (r *recorder) Errorf(format string, args ...any) { r.add("ERROR", format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.add("FATAL", format, args...) }

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.entries...)
}

// keepDefault restores the package default when the test ends.
func keepDefault(t testing.TB) {
	t.Helper()
	saved := current.Load()
	t.Cleanup(func() { current.Store(saved) })
}

// readFile returns the file's contents, failing the test if it cannot.
func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Level
		wantErr bool
	}{
		{in: "-1", want: DebugLevel},
		{in: "0", want: InfoLevel},
		{in: "5", want: FatalLevel},
		{in: "debug", want: DebugLevel},
		{in: "WARN", want: WarnLevel},
		{in: "error", want: ErrorLevel},
		{in: "-2", wantErr: true},
		{in: "6", wantErr: true},
		{in: "300", wantErr: true},
		{in: "loud", wantErr: true},
		{in: "1.5", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseLevel(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("parseLevel(%q) = %v, %v; want %v, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestReadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		env          map[string]string
		wantLevel    Level
		wantPath     string
		wantProblems int
	}{
		{name: "nothing set", wantLevel: InfoLevel},
		{
			name:      "reactor names",
			env:       map[string]string{"REACTOR_LOGGING_LEVEL": "warn", "REACTOR_LOGGING_FILE": "/tmp/r.log"},
			wantLevel: WarnLevel, wantPath: "/tmp/r.log",
		},
		{
			name:      "gnet names as fallback",
			env:       map[string]string{"GNET_LOGGING_LEVEL": "-1", "GNET_LOGGING_FILE": "/tmp/g.log"},
			wantLevel: DebugLevel, wantPath: "/tmp/g.log",
		},
		{
			name: "reactor names win",
			env: map[string]string{
				"REACTOR_LOGGING_LEVEL": "2", "GNET_LOGGING_LEVEL": "-1",
				"REACTOR_LOGGING_FILE": "/tmp/r.log", "GNET_LOGGING_FILE": "/tmp/g.log",
			},
			wantLevel: ErrorLevel, wantPath: "/tmp/r.log",
		},
		{
			name:      "bad level is reported, not fatal",
			env:       map[string]string{"REACTOR_LOGGING_LEVEL": "verbose"},
			wantLevel: InfoLevel, wantProblems: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := readSettings(func(k string) string { return tt.env[k] })
			if s.level != tt.wantLevel || s.path != tt.wantPath || len(s.problems) != tt.wantProblems {
				t.Fatalf("got level %v path %q problems %q; want %v %q %d",
					s.level, s.path, s.problems, tt.wantLevel, tt.wantPath, tt.wantProblems)
			}
		})
	}
}

func TestNewFiltersByLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level Level
		want  []string // the messages expected in the file
	}{
		{DebugLevel, []string{"d-msg", "i-msg", "w-msg", "e-msg"}},
		{InfoLevel, []string{"i-msg", "w-msg", "e-msg"}},
		{WarnLevel, []string{"w-msg", "e-msg"}},
		{ErrorLevel, []string{"e-msg"}},
		{FatalLevel, nil},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "reactor.log")
			l, flush, err := New(path, tt.level)
			if err != nil {
				t.Fatal(err)
			}
			l.Debugf("d-%s", "msg")
			l.Infof("i-%s", "msg")
			l.Warnf("w-%s", "msg")
			l.Errorf("e-%s", "msg")
			if err := flush(); err != nil {
				t.Fatal(err)
			}
			got := readFile(t, path)
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if len(tt.want) == 0 {
				if got != "" {
					t.Fatalf("file should be empty, holds %q", got)
				}
				return
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), got)
			}
			for i, msg := range tt.want {
				if !strings.Contains(lines[i], msg) || !strings.Contains(lines[i], "reactor") {
					t.Errorf("line %d = %q, want it to contain %q and the logger name", i, lines[i], msg)
				}
			}
		})
	}
}

func TestNewAppendsAndCreatesWithMode0644(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reactor.log")
	const earlier = "earlier content\n"
	if err := os.WriteFile(path, []byte(earlier), 0o600); err != nil {
		t.Fatal(err)
	}
	l, flush, err := New(path, InfoLevel)
	if err != nil {
		t.Fatal(err)
	}
	l.Infof("appended")
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); !strings.HasPrefix(got, earlier) || !strings.Contains(got, "appended") {
		t.Fatalf("file holds %q; want the earlier content followed by the new entry", got)
	}

	fresh := filepath.Join(t.TempDir(), "fresh.log")
	if _, _, err := CreateLoggerAsLocalFile(fresh, InfoLevel); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(fresh)
	if err != nil {
		t.Fatal(err)
	}
	// The umask may clear bits of 0644 but can never add any.
	if perm := fi.Mode().Perm(); perm&^0o644 != 0 || perm&0o600 != 0o600 {
		t.Fatalf("new log file has mode %v, want 0644 less the umask", perm)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	missingDir := filepath.Join(t.TempDir(), "no", "such", "dir", "x.log")
	tests := []struct {
		name string
		open func() (Logger, func() error, error)
	}{
		{"New in a missing directory", func() (Logger, func() error, error) { return New(missingDir, InfoLevel) }},
		{"file logger in a missing directory", func() (Logger, func() error, error) {
			return CreateLoggerAsLocalFile(missingDir, InfoLevel)
		}},
		{"file logger without a path", func() (Logger, func() error, error) {
			return CreateLoggerAsLocalFile("", InfoLevel)
		}},
	}
	for _, tt := range tests {
		l, flush, err := tt.open()
		if err == nil || l != nil || flush != nil {
			t.Errorf("%s: got %v, %v, %v; want only an error", tt.name, l, flush != nil, err)
		}
	}
}

func TestNewStderrFlushSucceeds(t *testing.T) {
	t.Parallel()
	l, flush, err := New("", DebugLevel)
	if err != nil || l == nil {
		t.Fatalf("New(\"\"): %v, %v", l, err)
	}
	if err := flush(); err != nil {
		t.Fatalf("flushing a standard-error logger: %v", err)
	}
}

func TestPackageFunctionsUseTheDefault(t *testing.T) {
	keepDefault(t)
	rec := &recorder{}
	var flushes int
	SetDefaultLoggerAndFlusher(rec, func() error { flushes++; return nil })

	if GetDefaultLogger() != Logger(rec) {
		t.Fatal("GetDefaultLogger does not return the installed logger")
	}
	Debugf("a %d", 1)
	Infof("b %d", 2)
	Warnf("c %d", 3)
	Errorf("d %d", 4)
	Fatalf("e %d", 5)
	Error(nil)
	Error(errors.New("broken pipe"))
	GetDefaultFlusher()()
	Cleanup()

	want := []string{"DEBUG a 1", "INFO b 2", "WARN c 3", "ERROR d 4", "FATAL e 5", "ERROR unexpected error: broken pipe"}
	if got := rec.lines(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("entries = %q, want %q", got, want)
	}
	if flushes != 2 {
		t.Fatalf("flusher ran %d times, want 2", flushes)
	}
}

func TestNilDefaultIsSilent(t *testing.T) {
	keepDefault(t)
	SetDefaultLoggerAndFlusher(nil, nil)
	Debugf("x")
	Infof("x")
	Warnf("x")
	Errorf("x")
	Fatalf("x")
	Error(errors.New("x"))
	Cleanup()
}

// syncBuffer is an in-memory zap sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Sync() error { return nil }

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestBuiltInDefaultNamesTheCaller checks that entries made through the
// package-level functions point at their caller rather than at this package.
func TestBuiltInDefaultNamesTheCaller(t *testing.T) {
	keepDefault(t)
	var sink syncBuffer
	install(build(&sink, DebugLevel))
	Infof("via package")
	GetDefaultLogger().Infof("via logger")
	out := sink.String()
	if n := strings.Count(out, "logging/logging_test.go:"); n != 2 {
		t.Fatalf("want both entries attributed to logging_test.go, got:\n%s", out)
	}
}

func TestLogLevel(t *testing.T) {
	saved := configured
	t.Cleanup(func() { configured = saved })
	tests := []struct {
		level Level
		want  string
	}{
		{DebugLevel, "DEBUG"}, {InfoLevel, "INFO"}, {WarnLevel, "WARN"}, {FatalLevel, "FATAL"},
	}
	for _, tt := range tests {
		configured = tt.level
		if got := LogLevel(); got != tt.want {
			t.Errorf("LogLevel() with %v configured = %q, want %q", tt.level, got, tt.want)
		}
	}
}

// TestFatalfExits runs itself in a child process, where Fatalf must log the
// entry and end the process with status 1.
func TestFatalfExits(t *testing.T) {
	if os.Getenv("REACTOR_LOGGING_TEST_FATAL") == "1" {
		Fatalf("fatal %s", "now")
		return
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFatalfExits$")
	cmd.Env = append(os.Environ(), "REACTOR_LOGGING_TEST_FATAL=1",
		"REACTOR_LOGGING_FILE=", "GNET_LOGGING_FILE=", "REACTOR_LOGGING_LEVEL=", "GNET_LOGGING_LEVEL=")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child ended with %v, want exit status 1; output:\n%s", err, out)
	}
	if s := string(out); !strings.Contains(s, "FATAL") || !strings.Contains(s, "fatal now") {
		t.Fatalf("child output lacks the fatal entry:\n%s", s)
	}
}

// Compile-time check that the in-memory sink satisfies zap's interface.
var _ zapcore.WriteSyncer = (*syncBuffer)(nil)
