// Package logging is reactor's logging front end. It defines the small Logger
// interface the library logs through, plus a process-wide default logger built
// on go.uber.org/zap that applications may use or replace.
//
// Each reactor engine logs through its own Logger: either the one supplied
// with the engine's options or one made by New from the engine's log path and
// level. Starting an engine therefore never replaces the package default, so
// several engines with different log settings can share a process without
// overwriting one another's configuration. The default logger only backs the
// package-level functions (Debugf, Infof, Error, ...) and code that asks for it
// explicitly with GetDefaultLogger.
//
// The default logger writes to standard error at InfoLevel. Two environment
// variables, read once at start-up, adjust it:
//
//   - REACTOR_LOGGING_LEVEL: the minimum level, as an integer from -1 (debug)
//     to 5 (fatal) or as a name such as "debug" or "WARN".
//   - REACTOR_LOGGING_FILE: a file to append to instead of standard error.
//
// So that deployments configured for gnet keep their behaviour after
// switching to reactor, GNET_LOGGING_LEVEL and GNET_LOGGING_FILE are honoured
// when the REACTOR_ variable is unset. An unusable value never stops the
// program: the default is kept and a warning is logged.
//
// Log files are never rotated by reactor. They are opened in append mode, so
// external rotation that truncates in place (logrotate's copytruncate) works.
package logging

import (
	"errors"
	"io"
	"os"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Level is zap's level type; an alias so zap levels and these constants mix freely.
type Level = zapcore.Level

// The levels in increasing order of severity. Their numeric values, -1 to 5,
// are those accepted by REACTOR_LOGGING_LEVEL.
const (
	// DebugLevel is for detail that is only worth its volume while diagnosing.
	DebugLevel = zapcore.DebugLevel
	// InfoLevel is the default: routine events such as an engine starting.
	InfoLevel = zapcore.InfoLevel
	// WarnLevel marks events that are tolerated but deserve attention.
	WarnLevel = zapcore.WarnLevel
	// ErrorLevel marks failures; a healthy program should emit none.
	ErrorLevel = zapcore.ErrorLevel
	// DPanicLevel is zap's "panic in development" level. Loggers made by this
	// package never run in zap's development mode, so it only logs.
	DPanicLevel = zapcore.DPanicLevel
	// PanicLevel is zap's level for entries followed by a panic; the Logger
	// interface has no method that uses it, so here it only filters.
	PanicLevel = zapcore.PanicLevel
	// FatalLevel marks entries after which the process exits; see Logger.Fatalf.
	FatalLevel = zapcore.FatalLevel
)

// Flusher writes out any log entries a logger still buffers. Call it before the
// process exits, or entries may be lost.
type Flusher = func() error

// Logger is what reactor logs through. Implementations must be safe for
// concurrent use, since every event loop logs from its own goroutine.
type Logger interface {
	// Debugf logs at DebugLevel, formatting like fmt.Sprintf.
	Debugf(format string, args ...any)
	// Infof logs at InfoLevel, formatting like fmt.Sprintf.
	Infof(format string, args ...any)
	// Warnf logs at WarnLevel, formatting like fmt.Sprintf.
	Warnf(format string, args ...any)
	// Errorf logs at ErrorLevel, formatting like fmt.Sprintf.
	Errorf(format string, args ...any)
	// Fatalf logs at FatalLevel and then ends the process. The loggers made by
	// this package call os.Exit(1) after writing the entry; reactor itself
	// only calls Fatalf where it cannot continue.
	Fatalf(format string, args ...any)
}

// New builds an independent logger for one engine, writing entries at level
// or above to standard error when path is empty, and otherwise appending to
// the file at path, which is created with mode 0644 if needed. It never
// touches the package default. The returned function flushes buffered entries
// to the file; the file itself is closed by the garbage collector once the
// logger is no longer referenced.
func New(path string, level Level) (Logger, func() error, error) {
	ws, err := openSink(path)
	if err != nil {
		return nil, nil, err
	}
	zl := build(ws, level)
	return zl.Sugar(), zl.Sync, nil
}

// CreateLoggerAsLocalFile is New restricted to files: it fails if
// localFilePath is empty rather than falling back to standard error.
func CreateLoggerAsLocalFile(localFilePath string, logLevel Level) (logger Logger, flush func() error, err error) {
	if localFilePath == "" {
		return nil, nil, errors.New("logging: the log file path is empty")
	}
	return New(localFilePath, logLevel)
}

// openSink resolves a log destination to a zap sink.
func openSink(path string) (zapcore.WriteSyncer, error) {
	if path == "" {
		return stderrSink(), nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return zapcore.Lock(f), nil
}

// stderrSink hides os.Stderr's Sync method. Writes to standard error are not
// buffered, so there is nothing to flush, and fsync on a terminal or a pipe
// fails with EINVAL, which would make every flush report a spurious error.
func stderrSink() zapcore.WriteSyncer {
	return zapcore.Lock(zapcore.AddSync(struct{ io.Writer }{os.Stderr}))
}

// build assembles the zap logger shared by New and the default logger: a
// human-readable console layout, named "reactor" so its lines stand out in a
// program that also uses zap, with the caller of each log call recorded.
func build(ws zapcore.WriteSyncer, level Level) *zap.Logger {
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.RFC3339NanoTimeEncoder
	cfg.EncodeLevel = zapcore.CapitalLevelEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(cfg), ws, level)
	return zap.New(core, zap.AddCaller(), zap.ErrorOutput(stderrSink())).Named("reactor")
}

// defaults is the package default as one value, so readers always see a
// logger and a flusher that belong together.
type defaults struct {
	logger  Logger
	flusher Flusher
	// forward is used by the package-level functions. For the built-in logger
	// it skips one more stack frame, so entries name the caller of, say,
	// logging.Infof rather than this package.
	forward Logger
}

var (
	current atomic.Pointer[defaults]
	// configured is the level chosen from the environment at start-up;
	// LogLevel reports it even after the default logger is replaced.
	configured = InfoLevel
)

// install makes zl the default logger.
func install(zl *zap.Logger) {
	current.Store(&defaults{
		logger:  zl.Sugar(),
		flusher: zl.Sync,
		forward: zl.WithOptions(zap.AddCallerSkip(1)).Sugar(),
	})
}

// GetDefaultLogger returns the logger behind the package-level functions.
func GetDefaultLogger() Logger { return current.Load().logger }

// GetDefaultFlusher returns the flusher paired with the default logger. It is
// nil when SetDefaultLoggerAndFlusher installed a nil flusher.
func GetDefaultFlusher() Flusher { return current.Load().flusher }

// SetDefaultLoggerAndFlusher replaces the default logger and its flusher; it
// is safe to call while other goroutines are logging. A nil logger silences
// the package-level functions.
func SetDefaultLoggerAndFlusher(logger Logger, flusher Flusher) {
	current.Store(&defaults{logger: logger, flusher: flusher, forward: logger})
}

// LogLevel returns the name of the level configured from the environment, in
// capitals (for example "INFO").
func LogLevel() string { return configured.CapitalString() }

// Cleanup flushes the default logger; call it before exiting. Flush errors are
// dropped because there is nowhere left to report them.
func Cleanup() {
	if flush := current.Load().flusher; flush != nil {
		_ = flush()
	}
}

// Error logs err at ErrorLevel on the default logger; a nil err logs nothing,
// so results can be passed through without a check.
func Error(err error) {
	if err != nil {
		if l := current.Load().forward; l != nil {
			l.Errorf("unexpected error: %v", err)
		}
	}
}

// Debugf logs at DebugLevel on the default logger.
func Debugf(format string, args ...any) {
	if l := current.Load().forward; l != nil {
		l.Debugf(format, args...)
	}
}

// Infof logs at InfoLevel on the default logger.
func Infof(format string, args ...any) {
	if l := current.Load().forward; l != nil {
		l.Infof(format, args...)
	}
}

// Warnf logs at WarnLevel on the default logger.
func Warnf(format string, args ...any) {
	if l := current.Load().forward; l != nil {
		l.Warnf(format, args...)
	}
}

// Errorf logs at ErrorLevel on the default logger.
func Errorf(format string, args ...any) {
	if l := current.Load().forward; l != nil {
		l.Errorf(format, args...)
	}
}

// Fatalf logs at FatalLevel on the default logger, which then ends the
// process (see Logger.Fatalf).
func Fatalf(format string, args ...any) {
	if l := current.Load().forward; l != nil {
		l.Fatalf(format, args...)
	}
}
