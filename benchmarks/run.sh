#!/usr/bin/env bash
# Benchmark suite: reactor vs gnet v2.9.7 vs net vs a C epoll "floor" server.
#
#   benchmarks/run.sh [--quick] [--smoke] [--strace] [--tls-only] [--libs reactor,gnet,net,floor]
#                     [--rounds N] [--only workload,...]
#
#   (default)  5 rounds, 2 s warm-up + 10 s measured per run, 10,000 idle conns
#   --quick    3 rounds, 1 s warm-up + 3 s measured
#   --smoke    1 round, 0.2 s + 0.8 s, 1,000 idle conns: proves that everything
#              builds, runs and that every echoed byte verifies (CI; < 60 s)
#   --strace   also count syscalls per message (strace -c -f, short echo 64 B run)
#   --tls-only only the TLS workloads (tls-echo64, tls-echo4k, https,
#              tls-handshake), which run reactor and net only
#   --libs     subset of libraries to run (default: all four)
#   --rounds N override the mode's number of rounds
#   --only     only these workloads (names as in the table: echo64,echo4k,...)
#              (with --only or --rounds the results go to <date>[-quick]-custom-<HHMM>.md)
#
# The server runs on CPU 0 (GOMAXPROCS=1, one loop), the load generator on
# CPU 1 (taskset); libraries alternate run by run inside every round. Only
# 127.0.0.1 is used; every run is bounded in time; every server started here
# is killed on exit. See README.md for how to read the output.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$BENCH"
CMDLINE="benchmarks/run.sh${*:+ $*}"

MODE=full STRACE=0 LIBS="reactor gnet net floor" TLS_ONLY=0 ROUNDS_SET="" ONLY=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) MODE=quick ;;
	--smoke) MODE=smoke ;;
	--strace) STRACE=1 ;;
	--libs) shift; LIBS=$(echo "${1:-}" | tr ',' ' ') ;;
	--libs=*) LIBS=$(echo "${1#--libs=}" | tr ',' ' ') ;;
	--tls-only) TLS_ONLY=1 ;;
	--rounds) shift; ROUNDS_SET=${1:-} ;;
	--rounds=*) ROUNDS_SET=${1#--rounds=} ;;
	--only) shift; ONLY=$(echo "${1:-}" | tr ',' ' ') ;;
	--only=*) ONLY=$(echo "${1#--only=}" | tr ',' ' ') ;;
	-h|--help) sed -n '2,/^set -e/{/^set -e/!p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
for l in $LIBS; do
	case "$l" in reactor|gnet|net|floor) ;; *) echo "run.sh: unknown lib $l" >&2; exit 2 ;; esac
done

case "$MODE" in
full)  ROUNDS=5 WARM=2   SECS=10  WRK_WARM=2 WRK_SECS=10 IDLE_N=10000 STRACE_SECS=3 QUIET_MAX=60 RESP_N=5000000 ;;
quick) ROUNDS=3 WARM=1   SECS=3   WRK_WARM=1 WRK_SECS=3  IDLE_N=10000 STRACE_SECS=2 QUIET_MAX=30 RESP_N=1500000 ;;
smoke) ROUNDS=1 WARM=0.2 SECS=0.8 WRK_WARM=0 WRK_SECS=1  IDLE_N=1000  STRACE_SECS=1 QUIET_MAX=0  RESP_N=100000 ;;
esac
if [ -n "$ROUNDS_SET" ]; then
	[[ "$ROUNDS_SET" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds needs a positive number" >&2; exit 2; }
	ROUNDS=$ROUNDS_SET
fi
WORKLOADS="echo64 echo4k latency64 http http-pipe16 http-lg http-pipe16-lg resp-P16 tls-echo64 tls-echo4k https tls-handshake idle10000 multicore-echo64 strace-echo64"
for w in $ONLY; do
	[[ " $WORKLOADS " == *" $w "* ]] || { echo "run.sh: unknown workload $w (one of: $WORKLOADS)" >&2; exit 2; }
done
# want WORKLOAD: whether --only (if given) lists it
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
# TLS workloads: the same durations, shorter in --smoke (they only prove that
# the TLS servers build, handshake and echo every byte right)
TLS_WARM=$WARM TLS_SECS=$SECS TLS_WRK_SECS=$WRK_SECS
[ "$MODE" = smoke ] && TLS_WARM=0.1 TLS_SECS=0.4 TLS_WRK_SECS=1 # wrk takes whole seconds
# only reactor and net serve TLS (gnet v2 has none; the C floor has none)
TLS_LIBS=""
for l in $LIBS; do case "$l" in reactor|net) TLS_LIBS+=" $l" ;; esac; done
TLS_LIBS=${TLS_LIBS# }
if [ "$TLS_ONLY" = 1 ] && [ -z "$TLS_LIBS" ]; then
	echo "run.sh: --tls-only needs reactor or net in --libs" >&2
	exit 2
fi

ADDR=127.0.0.1
SRV_CPU=0 LG_CPU=1
TMP="$BENCH/results/tmp"
mkdir -p "$TMP" "$BENCH/bin"
RAW="$TMP/raw-$$.tsv" PENDING="$TMP/pending-$$.tsv"
: >"$RAW"
FAILURES=0 DISTURBED=0 DISTURBED_KEPT=0

log() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	sleep 0.2
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	rm -f "$RAW" "$PENDING"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v taskset >/dev/null || need+=(util-linux)
command -v wrk >/dev/null || need+=(wrk)
command -v strace >/dev/null || need+=(strace)
[ -n "$TLS_LIBS" ] && [ ! -e /usr/include/openssl/ssl.h ] && need+=(libssl-dev) # bin/loadgen-tls
[ -d ../examples/redis ] && ! command -v redis-benchmark >/dev/null && need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
	log "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "run.sh: go is required" >&2; exit 1; }

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_N + 100)) ]; then
	warn "ulimit -n is $(ulimit -n): idle test lowered"
	IDLE_N=$(($(ulimit -n) - 200))
fi

# ---------------------------------------------------------------- build
log "== build"
gcc -O2 -Wall -o bin/floor floor/floor.c
gcc -O2 -Wall -o bin/loadgen loadgen/loadgen.c
if [ -n "$TLS_LIBS" ]; then # the same load generator with -T (TLS 1.3 through OpenSSL)
	gcc -O2 -Wall -DLOADGEN_TLS -o bin/loadgen-tls loadgen/loadgen.c -lssl -lcrypto ||
		{ echo "run.sh: building bin/loadgen-tls failed (needs libssl-dev); use --libs gnet,floor to run without TLS" >&2; exit 1; }
fi
go build -o bin/summarize ./cmd/summarize
go build -o bin/server-net ./cmd/netserver
go build -tags gnet -o bin/server-gnet ./cmd/evserver
if [[ " $LIBS " == *" reactor "* ]]; then
	go build -o bin/server-reactor ./cmd/evserver ||
		{ echo "run.sh: building the reactor server failed (use --libs to run without it)" >&2; exit 1; }
fi
# RESP: ../examples/redis is written against reactor; the gnet build is the
# same source with only the import line changed (copied under bin/src/).
RESP_LIBS=""
if [ -d ../examples/redis ] && command -v redis-benchmark >/dev/null; then
	for l in reactor gnet; do
		[[ " $LIBS " == *" $l "* ]] || continue
		rm -rf "bin/src/redis-$l" && mkdir -p "bin/src/redis-$l"
		for f in ../examples/redis/*.go; do
			case "$f" in *_test.go) continue ;; esac
			if [ $l = gnet ]; then
				sed 's#^\([[:space:]]*\)"github.com/reactorgo/reactor"$#\1reactor "github.com/panjf2000/gnet/v2"#' "$f" >"bin/src/redis-$l/${f##*/}"
			else
				cp "$f" "bin/src/redis-$l/"
			fi
		done
		if go build -o "bin/redis-$l" "./bin/src/redis-$l"; then
			RESP_LIBS+=" $l"
		else
			warn "examples/redis does not build for $l: RESP skipped for it"
		fi
	done
fi

# ---------------------------------------------------------------- helpers
# listening ports stay below the kernel's ephemeral range (32768+ by default)
PORT=$((12000 + $$ % 10000))
next_port() { PORT=$((PORT + 1)); [ $PORT -lt 32000 ] || PORT=12001; }
SRV_PID="" LG_PID=""

# kv KEY <<< "RESULT ... KEY=value ..." -> value
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -1; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$PENDING"; }
proc_cpu() { # utime+stime of $1 in seconds
	awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo 0
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }
fdiv() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print 0; else printf "%.6f", a / b }'; }
pct() { awk -v a="$1" 'BEGIN { printf "%.0f%%", a * 100 }'; }

# wait_quiet: before a run, wait (at most QUIET_MAX s) until other processes
# use less than 15% of a CPU, so that runs do not share the machine.
busy_all() { # busy ticks: all CPUs, cpu0, cpu1
	awk '/^cpu[ 01] / { printf "%d ", $2 + $3 + $4 + $7 + $8 + $9 } END { print "" }' /proc/stat
}
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
wait_quiet() {
	[ "$QUIET_MAX" -gt 0 ] || return 0
	local t0 a b waited=0 tck
	tck=$(getconf CLK_TCK)
	t0=$(date +%s)
	while :; do
		a=$(busy_ticks)
		sleep 0.5
		b=$(busy_ticks)
		awk -v d=$((b - a)) -v t="$tck" 'BEGIN { exit !(d / t / 0.5 < 0.15) }' && break
		if [ $(($(date +%s) - t0)) -ge "$QUIET_MAX" ]; then
			warn "machine still busy after ${QUIET_MAX} s ($(ps -eo pcpu=,comm= --sort=-pcpu | head -3 | awk '{ printf "%s %s%%; ", $2, $1 }')), running anyway"
			break
		fi
		[ $waited = 0 ] && log "  (waiting for other processes to leave the CPUs: $(ps -eo pcpu=,comm= --sort=-pcpu | head -2 | awk '{ printf "%s %s%%; ", $2, $1 }'))"
		waited=1
	done
}

# start_server LIB MODE [multicore] [tls]: sets SRV_PID; the server is pinned to
# CPU 0 with GOMAXPROCS=1 and one loop, or (multicore) unpinned with 2 loops;
# with tls it serves TLS 1.3 (-tls).
start_server() {
	local lib=$1 mode=$2 multi=${3:-} tls=${4:+-tls} bin="bin/server-$1" slog="$TMP/server.log" attempt i rp
	[ "$lib" = floor ] && bin=bin/floor
	wait_quiet
	for attempt in 1 2 3 4 5; do # a port taken by someone else: try the next one
		next_port
		: >"$slog"
		if [ -n "$multi" ]; then
			env -u GOMAXPROCS "$bin" -mode "$mode" -addr $ADDR -port $PORT -loops 2 $tls >"$slog" 2>&1 &
		else
			taskset -c $SRV_CPU env GOMAXPROCS=1 "$bin" -mode "$mode" -addr $ADDR -port $PORT -loops 1 $tls >"$slog" 2>&1 &
		fi
		SRV_PID=$!
		PIDS+=("$SRV_PID")
		for i in $(seq 1 500); do
			if grep -q '^READY' "$slog"; then
				rp=$(sed -n 's/^READY.* pid=\([0-9]*\).*/\1/p' "$slog" | head -1)
				if [ -n "$rp" ] && [ "$rp" != "$SRV_PID" ]; then
					PIDS+=("$rp")
					SRV_PID=$rp
				fi
				return 0
			fi
			kill -0 "$SRV_PID" 2>/dev/null || break
			sleep 0.02
		done
		grep -qi 'address already in use' "$slog" || break
		wait "$SRV_PID" 2>/dev/null || true
	done
	echo "run.sh: $lib $mode server did not start:" >&2
	cat "$slog" >&2
	exit 1
}

stop_server() {
	[ -n "$SRV_PID" ] || return 0
	kill "$SRV_PID" 2>/dev/null || true
	local i
	for i in $(seq 1 100); do
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.02
	done
	kill -9 "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	SRV_PID=""
}

server_alive() { # after a run: a crashed server is a failure
	if ! kill -0 "$SRV_PID" 2>/dev/null; then
		warn "$1: server exited during the run:"
		tail -20 "$TMP/server.log" >&2
		FAILURES=$((FAILURES + 1))
		return 1
	fi
}

# tls_log_check WORKLOAD LIB [WRK_RUNS]: after a TLS run, anything the server
# logged besides its READY line (failed handshakes, errors) is shown as a
# warning; the run's own checks decide whether it failed. wrk opens and closes
# one plain TCP connection per invocation before its run (an address check),
# which the server logs as a handshake the peer abandoned: up to WRK_RUNS such
# lines are expected and not shown.
tls_log_check() {
	local extra n
	extra=$(grep -v '^READY' "$TMP/server.log") || true
	[ -n "$extra" ] || return 0
	n=$(grep -c . <<<"$extra")
	if [ "$n" -le "${3:-0}" ] && ! grep -Ev 'closed the connection during the handshake|tls handshake with .*: EOF$' <<<"$extra" >/dev/null; then
		return 0
	fi
	warn "$1 $2: the server logged $n line(s): $(head -5 <<<"$extra")"
}
TLS_DESC=""

check_shares() { # workload lib srv_share lg_share other_share [max_srv]
	local w=$1 l=$2 s=$3 g=$4 o=$5 m=${6:-1}
	if awk -v o="$o" 'BEGIN { exit !(o > 0.10) }'; then
		DISTURBED=1
		warn "$w $l: other processes used $(pct "$o") of a CPU during the run: numbers are disturbed"
	elif awk -v s="$s" -v m="$m" 'BEGIN { exit !(s < 0.85 * m) }'; then
		warn "$w $l: server CPU share only $(pct "$s"): the server was not the bottleneck in this run"
	fi
	return 0
}

# measure RUN_FUNCTION ARGS...: runs it; a run disturbed by other processes
# (> 10 % of a CPU) is repeated up to twice (not in --smoke), and only the
# last attempt's values are kept.
measure() {
	local try
	for try in 0 1 2; do
		: >"$PENDING"
		DISTURBED=0
		"$@"
		[ "$DISTURBED" = 0 ] && break
		[ "$QUIET_MAX" -gt 0 ] && [ $try -lt 2 ] || { DISTURBED_KEPT=$((DISTURBED_KEPT + 1)); break; }
		log "  (disturbed: running it again)"
	done
	cat "$PENDING" >>"$RAW"
}

# ---------------------------------------------------------------- workloads
# echo WORKLOAD LIB ROUND CONNS DEPTH SIZE [multicore]
# A workload named tls-* runs the server with -tls and bin/loadgen-tls -T; one
# named http*-lg runs the HTTP server and loadgen -m http (DEPTH requests in
# flight per conn; SIZE is unused), counting requests as messages.
run_echo() {
	local w=$1 lib=$2 r=$3 c=$4 d=$5 s=$6 multi=${7:-} out pin=(taskset -c $LG_CPU)
	local lg=(bin/loadgen) tls="" warm=$WARM secs=$SECS mode=echo unit=msg
	[ -n "$multi" ] && pin=()
	case "$w" in tls-*) tls=1 lg=(bin/loadgen-tls -T) warm=$TLS_WARM secs=$TLS_SECS ;; esac
	case "$w" in http*-lg) mode=http unit=req ;; esac
	local size=(-s "$s")
	[ $mode = http ] && size=()
	start_server "$lib" $mode "$multi" "$tls"
	out=$(timeout $((${warm%.*} + ${secs%.*} + 30)) "${pin[@]}" "${lg[@]}" -m $mode -a $ADDR -p $PORT \
		-c "$c" -d "$d" "${size[@]}" -w "$warm" -t "$secs" -P "$SRV_PID" 2>"$TMP/loadgen.err" | grep '^RESULT') || true
	server_alive "$w $lib" || { stop_server; return; }
	stop_server
	[ -n "$tls" ] && tls_log_check "$w" "$lib"
	[ -n "$tls" ] && [ -z "$TLS_DESC" ] && TLS_DESC=$(sed -n 's/.* tls=\(.*\)$/\1/p' <<<"$out")
	if [ -z "$out" ]; then
		warn "$w $lib: load generator failed: $(head -5 "$TMP/loadgen.err")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	local mps ns ss ls os err mb c0
	mps=$(kv msgs_per_s <<<"$out") ns=$(kv srv_ns_per_msg <<<"$out") err=$(kv errors <<<"$out")
	ss=$(kv srv_share <<<"$out") ls=$(kv lg_share <<<"$out") os=$(kv other_share <<<"$out")
	mb=$(kv mb_per_s <<<"$out") c0=$(kv cpu0_busy <<<"$out")
	printf '  %-14s r%-2s %-7s %10s %s/s %8s MB/s  srv %6s ns/%s  CPU: srv %4s lg %4s other %4s cpu0 %4s  errors %s\n' \
		"$w" "$r" "$lib" "$mps" $unit "$mb" "$ns" $unit "$(pct "$ss")" "$(pct "$ls")" "$(pct "${os:-0}")" "$(pct "${c0:-0}")" "$err"
	if [ "$err" != 0 ]; then
		warn "$w $lib: $err verification errors: $(head -5 "$TMP/loadgen.err")"
		FAILURES=$((FAILURES + 1))
	fi
	if [ $mode = http ]; then record "$w" "req/s" "$lib" "$r" "$mps"; else record "$w" "msgs/s" "$lib" "$r" "$mps"; fi
	[ $mode = echo ] && [ "$s" -ge 1024 ] && record "$w" "MB/s" "$lib" "$r" "$mb"
	record "$w" "srv CPU ns/$unit" "$lib" "$r" "$ns"
	record "$w" "srv CPU share" "$lib" "$r" "$ss"
	record "$w" "loadgen CPU share" "$lib" "$r" "$ls"
	record "$w" "other CPU share" "$lib" "$r" "${os:-0}"
	# multicore: server and load generator share both CPUs, so no share is a bottleneck sign
	[ -n "$multi" ] || check_shares "$w" "$lib" "$ss" "$ls" "${os:-0}"
}

# tls-handshake LIB ROUND: CONNS slots, each connecting, doing a full TLS 1.3
# handshake, one verified 64 B echo and a close, over and over
run_handshake() {
	local w=tls-handshake lib=$1 r=$2 c=16 out
	start_server "$lib" echo "" tls
	out=$(timeout $((${TLS_WARM%.*} + ${TLS_SECS%.*} + 30)) taskset -c $LG_CPU bin/loadgen-tls -T -m handshake -a $ADDR -p $PORT \
		-c $c -s 64 -w "$TLS_WARM" -t "$TLS_SECS" -P "$SRV_PID" 2>"$TMP/loadgen.err" | grep '^RESULT') || true
	server_alive "$w $lib" || { stop_server; return; }
	stop_server
	tls_log_check "$w" "$lib"
	if [ -z "$out" ] || [ "$(kv errors <<<"$out")" != 0 ]; then
		warn "$w $lib: handshake run failed: $(head -5 "$TMP/loadgen.err")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	local hps us ss ls os c0
	hps=$(kv handshakes_per_s <<<"$out") ss=$(kv srv_share <<<"$out") ls=$(kv lg_share <<<"$out")
	os=$(kv other_share <<<"$out") c0=$(kv cpu0_busy <<<"$out")
	us=$(awk -v n="$(kv srv_ns_per_msg <<<"$out")" 'BEGIN { printf "%.1f", n / 1000 }')
	printf '  %-14s r%-2s %-7s %10s handshakes/s  srv %6s us/handshake  CPU: srv %4s lg %4s other %4s cpu0 %4s\n' \
		"$w" "$r" "$lib" "$hps" "$us" "$(pct "$ss")" "$(pct "$ls")" "$(pct "${os:-0}")" "$(pct "${c0:-0}")"
	record "$w" "handshakes/s" "$lib" "$r" "$hps"
	record "$w" "srv CPU us/handshake" "$lib" "$r" "$us"
	record "$w" "srv CPU share" "$lib" "$r" "$ss"
	record "$w" "loadgen CPU share" "$lib" "$r" "$ls"
	record "$w" "other CPU share" "$lib" "$r" "${os:-0}"
	check_shares "$w" "$lib" "$ss" "$ls" "${os:-0}"
}

run_latency() { # LIB ROUND
	local w=latency64 lib=$1 r=$2 out
	start_server "$lib" echo
	out=$(timeout $((${WARM%.*} + ${SECS%.*} + 30)) taskset -c $LG_CPU bin/loadgen -m latency -a $ADDR -p $PORT \
		-s 64 -w "$WARM" -t "$SECS" -P "$SRV_PID" 2>"$TMP/loadgen.err" | grep '^RESULT') || true
	server_alive "$w $lib" || { stop_server; return; }
	stop_server
	if [ -z "$out" ] || [ "$(kv errors <<<"$out")" != 0 ]; then
		warn "$w $lib: latency run failed: $(head -5 "$TMP/loadgen.err")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	local p50 p99 p999 ns
	p50=$(kv p50_us <<<"$out") p99=$(kv p99_us <<<"$out") p999=$(kv p999_us <<<"$out") ns=$(kv srv_ns_per_msg <<<"$out")
	printf '  %-14s r%-2s %-7s p50 %8s us  p99 %8s us  p999 %8s us  %8s rtt/s  srv %6s ns/msg  other %4s\n' \
		"$w" "$r" "$lib" "$p50" "$p99" "$p999" "$(kv msgs_per_s <<<"$out")" "$ns" "$(pct "$(kv other_share <<<"$out")")"
	awk -v o="$(kv other_share <<<"$out")" 'BEGIN { exit !(o > 0.10) }' && DISTURBED=1
	record "$w" "p50 us" "$lib" "$r" "$p50"
	record "$w" "p99 us" "$lib" "$r" "$p99"
	record "$w" "p999 us" "$lib" "$r" "$p999"
	record "$w" "srv CPU ns/msg" "$lib" "$r" "$ns"
}

# A workload named https* runs the server with -tls and wrk on an https:// URL
# (wrk's OpenSSL negotiates TLS 1.3; the 100 handshakes happen as its run starts).
run_http() { # WORKLOAD LIB ROUND [pipeline-depth]
	local w=$1 lib=$2 r=$3 depth=${4:-} script=() out c0 c1 t0 t1 b0 b1 tf="$TMP/wrk.time"
	local scheme=http tls="" wsecs=$WRK_SECS
	[ -n "$depth" ] && script=(-s "$BENCH/wrk/pipeline.lua")
	case "$w" in https*) scheme=https tls=1 wsecs=$TLS_WRK_SECS ;; esac
	start_server "$lib" http "" "$tls"
	local url="$scheme://$ADDR:$PORT/"
	if [ "$WRK_WARM" != 0 ]; then
		timeout $((WRK_WARM + 20)) taskset -c $LG_CPU wrk -t1 -c100 -d"${WRK_WARM}s" "${script[@]}" "$url" ${depth:+-- "$depth"} >/dev/null 2>&1 || true
	fi
	c0=$(proc_cpu "$SRV_PID") t0=$(date +%s.%N) b0=$(busy_all)
	out=$( { TIMEFORMAT='WRKCPU %U %S'; time timeout $((${wsecs%.*} + 20)) taskset -c $LG_CPU wrk -t1 -c100 -d"${wsecs}s" \
		"${script[@]}" "$url" ${depth:+-- "$depth"} 2>&1; } 2>"$tf") || true
	c1=$(proc_cpu "$SRV_PID") t1=$(date +%s.%N) b1=$(busy_all)
	server_alive "$w $lib" || { stop_server; return; }
	stop_server
	[ -n "$tls" ] && tls_log_check "$w" "$lib" $((1 + (WRK_WARM != 0)))
	local reqs rps secs scpu wcpu nonok sockerr
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
	nonok=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' <<<"$out")
	sockerr=$(sed -n 's/.*Socket errors: \(.*\)/\1/p' <<<"$out")
	if [ -z "$reqs" ] || [ -z "$rps" ] || [ "$reqs" = 0 ]; then
		warn "$w $lib: wrk failed: $(head -c 600 <<<"$out")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	if [ -n "$nonok" ] || [ -n "$sockerr" ]; then
		warn "$w $lib: wrk reported errors: ${nonok:+non-2xx $nonok }${sockerr}"
		[ -n "$nonok" ] && FAILURES=$((FAILURES + 1))
	fi
	secs=$(fsub "$t1" "$t0")
	scpu=$(fsub "$c1" "$c0")
	wcpu=$(awk '/^WRKCPU/ { print $2 + $3 }' "$tf")
	local ns ss ws os cpu0
	ns=$(awk -v c="$scpu" -v n="$reqs" 'BEGIN { printf "%.0f", c * 1e9 / n }')
	ss=$(fdiv "$scpu" "$secs") ws=$(fdiv "${wcpu:-0}" "$secs")
	read -r os cpu0 < <(awk -v a="$b0" -v b="$b1" -v s="$scpu" -v w="${wcpu:-0}" -v t="$secs" -v k="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		o = ((y[1] - x[1]) / k - s - w) / t; if (o < 0) o = 0
		printf "%.3f %.3f\n", o, (y[2] - x[2]) / k / t }')
	printf '  %-14s r%-2s %-7s %10s req/s  srv %6s ns/req  CPU: srv %4s wrk %4s other %4s cpu0 %4s\n' \
		"$w" "$r" "$lib" "$rps" "$ns" "$(pct "$ss")" "$(pct "$ws")" "$(pct "$os")" "$(pct "$cpu0")"
	record "$w" "req/s" "$lib" "$r" "$rps"
	record "$w" "srv CPU ns/req" "$lib" "$r" "$ns"
	record "$w" "srv CPU share" "$lib" "$r" "$ss"
	record "$w" "wrk CPU share" "$lib" "$r" "$ws"
	record "$w" "other CPU share" "$lib" "$r" "$os"
	check_shares "$w" "$lib" "$ss" "$ws" "$os"
}

run_resp() { # LIB ROUND: redis-benchmark -P 16 against examples/redis
	local w=resp-P16 lib=$1 r=$2 out c0 c1 t0 t1 b0 b1 tf="$TMP/rb.time" i
	next_port
	: >"$TMP/server.log"
	wait_quiet
	taskset -c $SRV_CPU env GOMAXPROCS=1 "bin/redis-$lib" -port $PORT -loops 1 >"$TMP/server.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	for i in $(seq 1 250); do
		[ "$(timeout 2 redis-cli -h $ADDR -p $PORT ping 2>/dev/null)" = PONG ] && break
		sleep 0.02
	done
	c0=$(proc_cpu "$SRV_PID") t0=$(date +%s.%N) b0=$(busy_all)
	out=$( { TIMEFORMAT='RBCPU %U %S'; time timeout 120 taskset -c $LG_CPU redis-benchmark -h $ADDR -p $PORT \
		-c 50 -n "$RESP_N" -P 16 -t set,get --csv 2>/dev/null; } 2>"$tf") || true
	c1=$(proc_cpu "$SRV_PID") t1=$(date +%s.%N) b1=$(busy_all)
	server_alive "$w $lib" || { stop_server; return; }
	stop_server
	local set get
	set=$(sed -n 's/^"SET","\([0-9.]*\)".*/\1/p' <<<"$out")
	get=$(sed -n 's/^"GET","\([0-9.]*\)".*/\1/p' <<<"$out")
	if [ -z "$set" ] || [ -z "$get" ]; then
		warn "$w $lib: redis-benchmark failed: $(head -c 400 <<<"$out")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	local secs scpu rcpu ns ss rs os
	secs=$(fsub "$t1" "$t0") scpu=$(fsub "$c1" "$c0")
	rcpu=$(awk '/^RBCPU/ { print $2 + $3 }' "$tf")
	ns=$(awk -v c="$scpu" -v n="$RESP_N" 'BEGIN { printf "%.0f", c * 1e9 / (2 * n) }')
	ss=$(fdiv "$scpu" "$secs") rs=$(fdiv "${rcpu:-0}" "$secs")
	os=$(awk -v a="$b0" -v b="$b1" -v s="$scpu" -v w="${rcpu:-0}" -v t="$secs" -v k="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " "); o = ((y[1] - x[1]) / k - s - w) / t; printf "%.3f", o < 0 ? 0 : o }')
	printf '  %-14s r%-2s %-7s SET %10s GET %10s req/s  srv %6s ns/req  CPU: srv %4s redis-benchmark %4s other %4s\n' \
		"$w" "$r" "$lib" "$set" "$get" "$ns" "$(pct "$ss")" "$(pct "$rs")" "$(pct "$os")"
	record "$w" "SET req/s" "$lib" "$r" "$set"
	record "$w" "GET req/s" "$lib" "$r" "$get"
	record "$w" "srv CPU ns/req" "$lib" "$r" "$ns"
	record "$w" "srv CPU share" "$lib" "$r" "$ss"
	record "$w" "redis-benchmark CPU share" "$lib" "$r" "$rs"
	record "$w" "other CPU share" "$lib" "$r" "$os"
	check_shares "$w" "$lib" "$ss" "$rs" "$os"
}

run_idle() { # LIB ROUND
	local w="idle${IDLE_N}" lib=$1 r=$2 rss0 rss1 lgout="$TMP/idle.out" i base
	start_server "$lib" echo
	sleep 0.3
	rss0=$(rss_kib "$SRV_PID") base=$(fd_count "$SRV_PID")
	: >"$lgout"
	taskset -c $LG_CPU bin/loadgen -m idle -a $ADDR -p $PORT -c "$IDLE_N" -t 120 >"$lgout" 2>&1 &
	LG_PID=$!
	PIDS+=("$LG_PID")
	for i in $(seq 1 3000); do # until the client has them all, <= 60 s
		grep -q '^ESTABLISHED' "$lgout" && break
		kill -0 "$LG_PID" 2>/dev/null || break
		sleep 0.02
	done
	for i in $(seq 1 1000); do # until the server has accepted them all, <= 20 s
		[ "$(fd_count "$SRV_PID")" -ge $((base + IDLE_N)) ] && break
		sleep 0.02
	done
	local est
	est=$(sed -n 's/^ESTABLISHED \([0-9]*\).*/\1/p' "$lgout")
	sleep 1 # let the server settle
	rss1=$(rss_kib "$SRV_PID")
	local fds
	fds=$(($(fd_count "$SRV_PID") - base))
	kill "$LG_PID" 2>/dev/null || true
	wait "$LG_PID" 2>/dev/null || true
	server_alive "$w $lib" || { stop_server; return; }
	stop_server
	if [ "${est:-0}" != "$IDLE_N" ] || [ "$fds" -lt "$IDLE_N" ]; then
		warn "$w $lib: only ${est:-0} client / $fds server connections of $IDLE_N: $(head -3 "$lgout")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	local per
	per=$(awk -v a="$rss0" -v b="$rss1" -v n="$IDLE_N" 'BEGIN { printf "%.3f", (b - a) / n }')
	printf '  %-14s r%-2s %-7s RSS %7s KiB -> %7s KiB: %s KiB/conn\n' "$w" "$r" "$lib" "$rss0" "$rss1" "$per"
	record "$w" "RSS KiB/conn" "$lib" "$r" "$per"
	record "$w" "RSS MiB total" "$lib" "$r" "$(awk -v b="$rss1" 'BEGIN { printf "%.1f", b / 1024 }')"
}

run_strace() { # LIB: syscalls per echoed message, echo 64 B x 100 x 8
	local w=strace-echo64 lib=$1 bin="bin/server-$1" st="$TMP/strace-$1.txt" spid cpid out i
	[ "$lib" = floor ] && bin=bin/floor
	next_port
	: >"$TMP/server.log"
	wait_quiet
	taskset -c $SRV_CPU env GOMAXPROCS=1 strace -c -f -o "$st" "$bin" -mode echo -addr $ADDR -port $PORT -loops 1 \
		>"$TMP/server.log" 2>&1 &
	spid=$!
	PIDS+=("$spid")
	for i in $(seq 1 500); do
		grep -q '^READY' "$TMP/server.log" && break
		sleep 0.02
	done
	cpid=$(sed -n 's/^READY.* pid=\([0-9]*\).*/\1/p' "$TMP/server.log")
	[ -n "$cpid" ] && PIDS+=("$cpid")
	out=$(timeout $((STRACE_SECS + 30)) taskset -c $LG_CPU bin/loadgen -m echo -a $ADDR -p $PORT -c 100 -d 8 -s 64 \
		-w 0 -t "$STRACE_SECS" 2>"$TMP/loadgen.err" | grep '^RESULT') || true
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	for i in $(seq 1 250); do kill -0 "$spid" 2>/dev/null || break; sleep 0.02; done
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	local msgs
	msgs=$(kv all_msgs <<<"$out")
	if [ -z "$msgs" ] || [ "$msgs" = 0 ] || ! grep -q total "$st"; then
		warn "$w $lib: strace run failed: $(head -3 "$TMP/loadgen.err")"
		FAILURES=$((FAILURES + 1))
		return
	fi
	# strace -c columns: % time, seconds, usecs/call, calls, [errors], syscall
	local summary
	summary=$(awk -v m="$msgs" '
		/^[ 0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && $NF != "total" { calls[$NF] = $4 }
		$NF == "total" { total = $4 }
		END {
			printf "total %.3f", total / m
			n = 0
			for (s in calls) if (calls[s] / m >= 0.001) printf " %s %.3f", s, calls[s] / m
		}' "$st")
	printf '  %-14s     %-7s %s msgs; syscalls/msg: %s\n' "$w" "$lib" "$msgs" "$summary"
	set -- $summary
	while [ $# -ge 2 ]; do
		if [ "$1" = total ]; then record "$w" "syscalls/msg" "$lib" 1 "$2"; else record "$w" "  $1/msg" "$lib" 1 "$2"; fi
		shift 2
	done
}

# ---------------------------------------------------------------- main
has() { [[ " $LIBS " == *" $1 "* ]]; }
START=$(date +%s)
log "== $MODE: $ROUNDS round(s), libs: $LIBS (TLS: ${TLS_LIBS:-none}$([ "$TLS_ONLY" = 1 ] && echo ", TLS workloads only")); server on CPU $SRV_CPU (GOMAXPROCS=1, 1 loop), load generator on CPU $LG_CPU"
for r in $(seq 1 "$ROUNDS"); do
	log "== round $r/$ROUNDS"
	if [ "$TLS_ONLY" = 0 ]; then
	if want echo64; then for lib in $LIBS; do measure run_echo echo64 "$lib" "$r" 100 8 64; done; fi
	if want echo4k; then for lib in $LIBS; do measure run_echo echo4k "$lib" "$r" 50 4 4096; done; fi
	if want latency64; then for lib in $LIBS; do measure run_latency "$lib" "$r"; done; fi
	if want http; then for lib in $LIBS; do [ "$lib" = floor ] || measure run_http http "$lib" "$r"; done; fi
	if want http-pipe16; then for lib in $LIBS; do [ "$lib" = floor ] || measure run_http http-pipe16 "$lib" "$r" 16; done; fi
	# the same two with the C load generator, so that the server is the bottleneck
	if want http-lg; then for lib in $LIBS; do [ "$lib" = floor ] || measure run_echo http-lg "$lib" "$r" 100 1 -; done; fi
	if want http-pipe16-lg; then for lib in $LIBS; do [ "$lib" = floor ] || measure run_echo http-pipe16-lg "$lib" "$r" 100 16 -; done; fi
	if want resp-P16; then for lib in $RESP_LIBS; do measure run_resp "$lib" "$r"; done; fi
	fi
	# TLS 1.3: reactor (TLS in the event loop) against net + crypto/tls
	if want tls-echo64; then for lib in $TLS_LIBS; do measure run_echo tls-echo64 "$lib" "$r" 100 8 64; done; fi
	if want tls-echo4k; then for lib in $TLS_LIBS; do measure run_echo tls-echo4k "$lib" "$r" 50 4 4096; done; fi
	if want https; then for lib in $TLS_LIBS; do measure run_http https "$lib" "$r"; done; fi
	if want tls-handshake; then for lib in $TLS_LIBS; do measure run_handshake "$lib" "$r"; done; fi
	[ "$TLS_ONLY" = 1 ] && continue
	if [ "$r" = 1 ]; then # memory and the multicore record: one round is enough
		if want idle10000; then for lib in $LIBS; do measure run_idle "$lib" "$r"; done; fi
		if want multicore-echo64; then for lib in $LIBS; do measure run_echo multicore-echo64 "$lib" "$r" 100 8 64 multicore; done; fi
	fi
done
if [ "$STRACE" = 1 ] && [ "$TLS_ONLY" = 0 ] && want strace-echo64; then
	log "== strace -c -f, echo 64 B x 100 conns x 8, ${STRACE_SECS} s (traced servers run slower; counts are per message)"
	for lib in $LIBS; do measure run_strace "$lib"; done
fi

# ---------------------------------------------------------------- report
DATE=$(date -u +%Y-%m-%d)
case "$MODE" in
full) MD="results/$DATE.md" ;;
quick) MD="results/$DATE-quick.md" ;;
smoke) MD="results/tmp/$DATE-smoke.md" ;;
esac
# a run of chosen workloads or rounds does not replace the mode's regular results
[ -n "$ONLY$ROUNDS_SET" ] && MD=${MD%.md}-custom-$(date -u +%H%M).md
HDR="$TMP/header-$$.md"
{
	echo "# reactor benchmarks, $DATE ($MODE)"
	echo
	echo "- command: \`$CMDLINE\`"
	echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs"
	echo "- kernel: $(uname -sr)"
	echo "- Go: $(go version | awk '{ print $3 }'); gcc: $(gcc -dumpfullversion); wrk: $(wrk -v 2>&1 | head -1 | awk '{ print $2 }')"
	echo "- libraries: reactor ($(cd .. && git rev-parse --short HEAD 2>/dev/null || echo uncommitted)), gnet v2.9.7, net ($(go version | awk '{ print $3 }')), floor (C epoll echo, gcc -O2)"
	echo "- setup: $ROUNDS round(s), libraries alternating run by run; server on CPU $SRV_CPU with GOMAXPROCS=1 and one loop," \
		"load generator (loadgen, wrk -t1) on CPU $LG_CPU; echo ${WARM} s warm-up + ${SECS} s measured; wrk ${WRK_SECS} s;" \
		"multicore: loops=2, GOMAXPROCS=2, nothing pinned"
	[ -n "$TLS_DESC" ] && echo "- TLS rows (reactor and net only): $TLS_DESC; self-signed ECDSA P-256 certificate; client: loadgen-tls (OpenSSL $(openssl version 2>/dev/null | awk '{ print $2 }'), no certificate check, no resumption) or wrk on https://"
	[ "$DISTURBED_KEPT" -gt 0 ] && echo "- WARNING: $DISTURBED_KEPT run(s) kept although other processes used > 10 % of a CPU during them"
	echo "- cells: median [min–max] (rounds); ratios are of medians. Lower is better for ns/msg, µs, KiB; higher for msgs/s, req/s, MB/s"
	echo
} >"$HDR"
log ""
log "== results ($MODE, $ROUNDS round(s), $(($(date +%s) - START)) s)"
bin/summarize -in "$RAW" -md "$MD" -header "$HDR"
cp "$RAW" "${MD%.md}.tsv" # the raw per-run values, to recompute anything from later
rm -f "$HDR"
log ""
log "markdown: benchmarks/$MD (raw values: ${MD%.md}.tsv)"
if [ "$FAILURES" -gt 0 ]; then
	echo "run.sh: $FAILURES failure(s), see the warnings above" >&2
	exit 1
fi
[ "$DISTURBED_KEPT" -gt 0 ] && warn "$DISTURBED_KEPT run(s) kept although other processes disturbed them"
log "all runs completed, every echoed byte verified"
