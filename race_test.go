//go:build race

package reactor_test

// raceEnabled lets tests shrink workloads the race detector would make slow.
const raceEnabled = true
