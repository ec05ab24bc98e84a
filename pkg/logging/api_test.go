package logging_test

import (
	"go.uber.org/zap/zapcore"

	"github.com/reactorgo/reactor/pkg/logging"
)

// gnetLogger spells out gnet's Logger method set; converting both ways below
// proves logging.Logger has exactly these methods.
type gnetLogger interface {
	Debugf(format string, args ...any)
	Infof(format string, args ...any)
	Warnf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// These assignments pin the exported API to gnet v2.9.7's pkg/logging, plus
// reactor's New: a change to any signature breaks the build.
var (
	_ func() logging.Logger                                             = logging.GetDefaultLogger
	_ func() logging.Flusher                                            = logging.GetDefaultFlusher
	_ func(logging.Logger, logging.Flusher)                             = logging.SetDefaultLoggerAndFlusher
	_ func(string, logging.Level) (logging.Logger, func() error, error) = logging.CreateLoggerAsLocalFile
	_ func(string, logging.Level) (logging.Logger, func() error, error) = logging.New
	_ func() string                                                     = logging.LogLevel
	_ func()                                                            = logging.Cleanup
	_ func(error)                                                       = logging.Error
	_ func(string, ...any)                                              = logging.Debugf
	_ func(string, ...any)                                              = logging.Infof
	_ func(string, ...any)                                              = logging.Warnf
	_ func(string, ...any)                                              = logging.Errorf
	_ func(string, ...any)                                              = logging.Fatalf

	_ func() error   = logging.Flusher(nil)
	_ zapcore.Level  = logging.Level(0)
	_ gnetLogger     = logging.Logger(nil)
	_ logging.Logger = gnetLogger(nil)

	// The levels keep zap's values, which are also gnet's environment values.
	_ = [1]struct{}{}[logging.DebugLevel+1]
	_ = [1]struct{}{}[logging.InfoLevel]
	_ = [1]struct{}{}[logging.WarnLevel-1]
	_ = [1]struct{}{}[logging.ErrorLevel-2]
	_ = [1]struct{}{}[logging.DPanicLevel-3]
	_ = [1]struct{}{}[logging.PanicLevel-4]
	_ = [1]struct{}{}[logging.FatalLevel-5]
)
