/*
 * loadgen: cheap, verifying load generator for the reactor benchmarks.
 *
 *   loadgen -m echo    [-a ADDR] [-p PORT] [-c CONNS] [-d DEPTH] [-s SIZE]
 *                      [-w WARMUP_S] [-t SECS] [-P SERVER_PID]
 *   loadgen -m http    [-a ADDR] [-p PORT] [-c CONNS] [-d DEPTH] [-w WARMUP_S] [-t SECS] [-P SERVER_PID]
 *   loadgen -m latency [-a ADDR] [-p PORT] [-s SIZE] [-w WARMUP_S] [-t SECS] [-P PID]
 *   loadgen -m idle    [-a ADDR] [-p PORT] [-c CONNS] [-t HOLD_S]
 *   loadgen -m handshake -T [-a ADDR] [-p PORT] [-c CONNS] [-s SIZE] [-w WARMUP_S] [-t SECS] [-P PID]
 *
 * -T (echo, latency, handshake; only in a build with -DLOADGEN_TLS, linked
 * with OpenSSL: run.sh builds that as bin/loadgen-tls) speaks TLS 1.3 instead
 * of plain TCP. The handshake is done before the measured traffic starts; the
 * server's certificate is not verified (the benchmark servers make a
 * self-signed one at startup) and no session is ever resumed. Reads use
 * OpenSSL's read-ahead, so one readiness event may decrypt several records;
 * writes are one SSL_write per batch, as in plain mode.
 *
 * echo:    CONNS connections, each keeping DEPTH messages of SIZE bytes in
 *          flight: a message is sent again each time SIZE echoed bytes come
 *          back. Single thread, epoll, non-blocking, one read per readiness
 *          event and one write per batch of completed messages. Every echoed
 *          byte is compared with what was sent (each connection streams a
 *          pseudo-random pattern from its own offset). After the measured
 *          window no new messages are sent and the ones in flight are drained
 *          and verified.
 * http:    the echo engine with GET requests as messages (the bytes wrk
 *          sends) and the benchmark servers' fixed response as replies: each
 *          connection keeps DEPTH requests in flight and sends as many new ones
 *          in one write as replies have fully come back. Every reply byte is
 *          compared with the expected response. It costs far less per request
 *          than wrk, whose Lua pipelining and response parser make it the
 *          bottleneck of pipelined HTTP; with this the server is.
 * latency: one connection, ping-pong of SIZE bytes (blocking socket),
 *          percentiles of the round-trip time.
 * idle:    opens CONNS connections (at most 256 handshakes at a time), prints
 *          "ESTABLISHED n" once all are up, then holds them until SIGTERM/
 *          SIGINT or HOLD_S seconds.
 * handshake: CONNS connections at a time, each doing a non-blocking connect,
 *          a full TLS handshake, one SIZE-byte echo (verified) and a close,
 *          then the slot dials again: handshakes per second and server CPU
 *          per handshake.
 *
 * With -P, the server's utime+stime (from /proc/PID/stat) is read at the
 * start and at the end of the measured window, as is this process's CPU time,
 * so both CPU shares and server CPU ns per message cover exactly that window.
 * The last output line is "RESULT key=value ...".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef LOADGEN_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

#define PATLEN 65521u /* prime, so streams with different offsets do not line up */
#define RBUFSZ (64 * 1024)
#define MAXEV 512

static const char *addr = "127.0.0.1";
static int port = 9000, nconns = 100, depth = 8, msgsize = 64, srvpid = 0;
static double warmup = 1, secs = 5;
static unsigned char *pat; /* PATLEN + window bytes: pat[i] = pat[i % PATLEN] */
static size_t patwin;
/* The streams of echo and http mode: a conn sends messages of sst.msg bytes
 * taken from sst.p (from its offset off on) and expects a reply of rst.msg bytes
 * from rst.p for each. Echo: both are pat with messages of msgsize bytes. */
struct stream {
	const unsigned char *p; /* per + win bytes: p[i] = p[i % per] */
	size_t per, win, msg;
};
static struct stream sst, rst;
static volatile sig_atomic_t stop;
static int use_tls; /* -T */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static double self_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* utime+stime of pid in seconds, -1 if unavailable */
static double proc_cpu(int pid)
{
	if (pid <= 0)
		return -1;
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')'); /* comm may contain spaces */
	if (!p)
		return -1;
	unsigned long long ut = 0, st = 0;
	/* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/* busy (non-idle, non-iowait) CPU seconds: all CPUs in b[0], cpuN in b[1+N] (N < 7) */
static void sys_busy(double b[8])
{
	memset(b, 0, 8 * sizeof b[0]);
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "cpu", 3))
			break;
		int idx = 0;
		char *p = line + 3;
		if (*p != ' ') {
			idx = 1 + atoi(p);
			if (idx >= 8)
				continue;
		}
		while (*p && *p != ' ')
			p++;
		unsigned long long v[10] = {0};
		sscanf(p, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		/* user nice system idle iowait irq softirq steal */
		b[idx] = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / sysconf(_SC_CLK_TCK);
	}
	fclose(f);
}

static double busy0[8];

/* prints the server's CPU over a window of secs_ with n messages (srv < 0: unknown),
 * then " cpu0_busy=.. cpu1_busy=.. other_share=.." for the window from busy0 to b
 * (b NULL: to now) */
static void print_shares(double secs_, double srv, double lg, unsigned long long n, const double *b)
{
	double now_b[8];
	if (srvpid)
		printf(" srv_cpu_s=%.3f srv_share=%.3f srv_ns_per_msg=%.0f", srv, secs_ > 0 ? srv / secs_ : 0,
		       n && srv >= 0 ? srv * 1e9 / n : -1);
	if (!b) {
		sys_busy(now_b);
		b = now_b;
	}
	if (secs_ <= 0 || b[0] <= 0)
		return;
	double other = (b[0] - busy0[0]) - (srv > 0 ? srv : 0) - lg;
	printf(" cpu0_busy=%.3f cpu1_busy=%.3f other_share=%.3f", (b[1] - busy0[1]) / secs_, (b[2] - busy0[2]) / secs_,
	       other / secs_ > 0 ? other / secs_ : 0);
}

static void make_pattern(size_t window)
{
	patwin = window;
	pat = malloc(PATLEN + window);
	if (!pat)
		die("malloc");
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < PATLEN; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		pat[i] = (unsigned char)(x >> 24);
	}
	for (size_t i = 0; i < window; i++)
		pat[PATLEN + i] = pat[i % PATLEN];
	sst = rst = (struct stream){.p = pat, .per = PATLEN, .win = window, .msg = (size_t)msgsize};
}

/* The HTTP request (what wrk.format("GET", "/") sends) and the reply every
 * benchmark server gives: httpbench.Response, byte for byte (its test checks
 * that this copy matches). */
#define HTTP_RESPONSE "HTTP/1.1 200 OK\r\nServer: reactor-bench\r\nContent-Type: text/plain\r\n" \
		      "Content-Length: 13\r\n\r\nHello, World!"

/* n copies of s back to back, plus room so that any window of win bytes starting
 * inside the first copy is contiguous */
static struct stream repeat(const char *s, size_t win)
{
	size_t len = strlen(s), n = 1 + (win + len - 1) / len;
	unsigned char *b = malloc(n * len);
	if (!b)
		die("malloc");
	for (size_t i = 0; i < n; i++)
		memcpy(b + i * len, s, len);
	return (struct stream){.p = b, .per = len, .win = (n - 1) * len, .msg = len};
}

static void make_http(void)
{
	char req[128];
	snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s:%d\r\n\r\n", addr, port);
	sst = repeat(req, (size_t)depth * strlen(req));
	rst = repeat(HTTP_RESPONSE, RBUFSZ);
}

static int dial(int nonblock)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		exit(2);
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------------- tls */

#ifdef LOADGEN_TLS
static SSL_CTX *tls_ctx;
static char tls_desc[128] = "none"; /* " tls=... cipher=..." of the first session */

static void tls_init(void)
{
	tls_ctx = SSL_CTX_new(TLS_client_method());
	if (!tls_ctx) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	SSL_CTX_set_min_proto_version(tls_ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(tls_ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL); /* self-signed benchmark certificate */
	SSL_CTX_set_session_cache_mode(tls_ctx, SSL_SESS_CACHE_OFF); /* every handshake is a full one */
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(tls_ctx, 1);
	SSL_CTX_set_default_read_buffer_len(tls_ctx, RBUFSZ);
}

/* first OpenSSL error as text, or what */
static const char *tls_err(const char *what)
{
	static char buf[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return what;
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

static void tls_note(SSL *ssl)
{
	if (strcmp(tls_desc, "none"))
		return;
	int g = SSL_get_negotiated_group(ssl);
	const char *gn = g > 0 && !(g & TLSEXT_nid_unknown) ? OBJ_nid2sn(g) : NULL;
	snprintf(tls_desc, sizeof tls_desc, "%s cipher=%s group=%s", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
		 gn ? gn : "unknown");
}

/* blocking handshake on a blocking socket; NULL (and a message) on failure */
static SSL *tls_connect(int fd)
{
	SSL *ssl = SSL_new(tls_ctx);
	if (!ssl || !SSL_set_fd(ssl, fd)) {
		fprintf(stderr, "loadgen: SSL_new: %s\n", tls_err("failed"));
		exit(1);
	}
	int r = SSL_connect(ssl);
	if (r != 1) {
		fprintf(stderr, "loadgen: TLS handshake failed: %s\n", tls_err(r == 0 ? "closed by server" : strerror(errno)));
		SSL_free(ssl);
		return NULL;
	}
	tls_note(ssl);
	return ssl;
}

/* best-effort close_notify (no waiting for the peer's), then free */
static void tls_close(SSL *ssl)
{
	if (!ssl)
		return;
	SSL_shutdown(ssl);
	SSL_free(ssl);
	ERR_clear_error();
}
#else
typedef struct ssl_st SSL;
static const char tls_desc[] = "none";
static void tls_init(void)
{
	fprintf(stderr, "loadgen: -T needs a build with -DLOADGEN_TLS -lssl -lcrypto (run.sh makes bin/loadgen-tls)\n");
	exit(2);
}
static SSL *tls_connect(int fd) { (void)fd; return NULL; }
static void tls_close(SSL *ssl) { (void)ssl; }
#endif

/* ------------------------------------------------------------------ echo */

struct conn {
	int fd;
	int dead;
	int wantout;      /* EPOLLOUT armed */
	SSL *ssl;         /* -T */
	size_t wretry;    /* -T: length of an SSL_write to repeat (it wanted to write) */
	uint32_t off;     /* pattern offset of this stream */
	uint64_t sent;    /* bytes written */
	uint64_t due;     /* bytes that should have been written (sent <= due) */
	uint64_t recvd;   /* bytes received and verified */
};

static struct conn *conns;
static int ep;
static uint64_t total_msgs, errors, verified_bytes;
static int sending = 1;
static int nerrprint;

static void conn_fail(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	errors++;
	if (nerrprint++ < 5)
		fprintf(stderr, "loadgen: conn %ld: %s (sent=%llu recvd=%llu)\n", (long)(c - conns), why,
			(unsigned long long)c->sent, (unsigned long long)c->recvd);
	c->dead = 1;
	tls_close(c->ssl);
	c->ssl = NULL;
	close(c->fd);
}

static void want_out(struct conn *c)
{
	if (!c->wantout) {
		struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		c->wantout = 1;
	}
}

#ifdef LOADGEN_TLS
/* one SSL_write per batch; a write that could not complete is repeated with
 * the same length (OpenSSL's rule), from the same pattern bytes */
static int tls_flush(struct conn *c)
{
	while (c->sent < c->due) {
		size_t pos = (c->off + c->sent) % sst.per;
		size_t len = c->wretry ? c->wretry : c->due - c->sent;
		int w = SSL_write(c->ssl, sst.p + pos, (int)len);
		if (w > 0) {
			c->sent += (uint64_t)w;
			c->wretry = 0;
			continue;
		}
		int e = SSL_get_error(c->ssl, w);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
			c->wretry = len;
			if (e == SSL_ERROR_WANT_WRITE)
				want_out(c);
			return 0;
		}
		conn_fail(c, tls_err("SSL_write failed"));
		return 0;
	}
	return 1;
}
#endif

static void conn_flush(struct conn *c)
{
#ifdef LOADGEN_TLS
	if (c->ssl) {
		if (!tls_flush(c))
			return;
		goto done;
	}
#endif
	while (c->sent < c->due) {
		size_t pos = (c->off + c->sent) % sst.per;
		size_t len = c->due - c->sent; /* <= sst.win by construction */
		ssize_t w = write(c->fd, sst.p + pos, len);
		if (w > 0) {
			c->sent += (uint64_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			want_out(c);
			return;
		}
		conn_fail(c, "write failed");
		return;
	}
#ifdef LOADGEN_TLS
done:
#endif
	if (c->wantout) {
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		c->wantout = 0;
	}
}

static unsigned char rbuf[RBUFSZ];

static void conn_got(struct conn *c, ssize_t n);

/* bytes of reply owed for sent bytes of messages: only whole messages count */
static uint64_t expected(uint64_t sent) { return sent / sst.msg * rst.msg; }

static void conn_read(struct conn *c)
{
#ifdef LOADGEN_TLS
	if (c->ssl) { /* every record OpenSSL holds, then back to epoll (level-triggered) */
		do {
			int n = SSL_read(c->ssl, rbuf, sizeof rbuf);
			if (n <= 0) {
				int e = SSL_get_error(c->ssl, n);
				if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
					return;
				conn_fail(c, e == SSL_ERROR_ZERO_RETURN ? "closed by server (close_notify)"
									  : tls_err("closed by server or SSL_read failed"));
				return;
			}
			conn_got(c, n);
		} while (!c->dead && SSL_has_pending(c->ssl));
		return;
	}
#endif
	ssize_t n = read(c->fd, rbuf, sizeof rbuf);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_fail(c, n == 0 ? "closed by server" : "read failed");
		return;
	}
	conn_got(c, n);
}

/* verifies n bytes in rbuf against the stream and sends as many new messages
 * as have fully come back */
static void conn_got(struct conn *c, ssize_t n)
{
	if (c->recvd + (uint64_t)n > expected(c->sent)) {
		conn_fail(c, "server sent more bytes than it was asked for");
		return;
	}
	/* verify against the stream, in chunks that stay inside rst.p[] */
	size_t done = 0;
	while (done < (size_t)n) {
		size_t pos = (c->off + c->recvd + done) % rst.per;
		size_t chunk = (size_t)n - done;
		if (chunk > rst.per + rst.win - pos)
			chunk = rst.per + rst.win - pos;
		if (memcmp(rbuf + done, rst.p + pos, chunk)) {
			for (size_t k = 0; k < chunk; k++)
				if (rbuf[done + k] != rst.p[pos + k]) {
					char why[160];
					snprintf(why, sizeof why, "reply mismatch at stream byte %llu: got 0x%02x want 0x%02x",
						 (unsigned long long)(c->recvd + done + k), rbuf[done + k], rst.p[pos + k]);
					conn_fail(c, why);
					return;
				}
		}
		done += chunk;
	}
	uint64_t before = c->recvd / rst.msg;
	c->recvd += (uint64_t)n;
	verified_bytes += (uint64_t)n;
	uint64_t completed = c->recvd / rst.msg - before;
	total_msgs += completed;
	if (sending && completed) {
		c->due += completed * sst.msg;
		if (!c->wantout)
			conn_flush(c);
	}
}

/* echo and http: the same engine over different streams */
static int run_stream(int http)
{
	if (http)
		make_http();
	else
		make_pattern((size_t)depth * msgsize);
	conns = calloc(nconns, sizeof *conns);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || ep < 0)
		die("setup");
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		c->fd = dial(0); /* blocking connect: simple and loopback is instant */
		if (c->fd < 0)
			die("connect");
		if (use_tls && !(c->ssl = tls_connect(c->fd)))
			exit(1);
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		c->off = http ? 0 : (uint32_t)((i * 7919u) % PATLEN); /* HTTP messages must start at 0 */
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
			die("epoll_ctl");
	}
	for (int i = 0; i < nconns; i++) {
		conns[i].due = (uint64_t)depth * sst.msg;
		conn_flush(&conns[i]);
	}

	struct epoll_event evs[MAXEV];
	double t0 = now(), tstart = t0 + warmup, tend = tstart + secs;
	int phase = 0; /* 0 warm-up, 1 measuring, 2 draining */
	double m_t = 0, m_srv = 0, m_self = 0, drain_deadline = 0;
	uint64_t m_msgs = 0, m_bytes = 0;
	double r_t = 0, r_srv = 0, r_self = 0, busy1[8] = {0};
	uint64_t r_msgs = 0, r_bytes = 0;
	for (;;) {
		int n = epoll_wait(ep, evs, MAXEV, 50);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->dead)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				conn_read(c);
			if (!c->dead && (evs[i].events & EPOLLOUT))
				conn_flush(c);
		}
		double t = now();
		if (phase == 0 && t >= tstart) {
			m_t = t, m_srv = proc_cpu(srvpid), m_self = self_cpu();
			m_msgs = total_msgs, m_bytes = verified_bytes;
			sys_busy(busy0);
			phase = 1;
		} else if (phase == 1 && t >= tend) {
			r_t = t - m_t, r_srv = proc_cpu(srvpid) - m_srv, r_self = self_cpu() - m_self;
			r_msgs = total_msgs - m_msgs, r_bytes = verified_bytes - m_bytes;
			sys_busy(busy1);
			if (srvpid && m_srv < 0)
				r_srv = -1;
			sending = 0;
			phase = 2;
			drain_deadline = t + 3;
		}
		if (phase == 2) {
			int inflight = 0;
			for (int i = 0; i < nconns; i++)
				if (!conns[i].dead && conns[i].recvd < expected(conns[i].due))
					inflight++;
			if (!inflight)
				break;
			if (t >= drain_deadline) {
				for (int i = 0; i < nconns; i++)
					if (!conns[i].dead && conns[i].recvd < expected(conns[i].due))
						conn_fail(&conns[i], "replies not complete 3 s after the end");
				break;
			}
		}
		int alive = 0;
		for (int i = 0; i < nconns; i++)
			alive += !conns[i].dead;
		if (!alive) {
			fprintf(stderr, "loadgen: all connections failed\n");
			if (phase < 2) {
				r_t = t - (phase ? m_t : t0);
				phase = 2;
			}
			break;
		}
	}
	for (int i = 0; i < nconns; i++)
		if (!conns[i].dead) {
			tls_close(conns[i].ssl);
			close(conns[i].fd);
		}
	double mps = r_t > 0 ? r_msgs / r_t : 0;
	printf("RESULT mode=%s conns=%d depth=%d size=%d secs=%.3f msgs=%llu msgs_per_s=%.0f mb_per_s=%.2f "
	       "errors=%llu verified_bytes=%llu all_msgs=%llu lg_cpu_s=%.3f lg_share=%.3f lg_ns_per_msg=%.0f",
	       http ? "http" : "echo", nconns, depth, (int)sst.msg, r_t, (unsigned long long)r_msgs, mps, r_t > 0 ? r_bytes / r_t / 1e6 : 0,
	       (unsigned long long)errors, (unsigned long long)verified_bytes, (unsigned long long)total_msgs, r_self, r_t > 0 ? r_self / r_t : 0,
	       r_msgs ? r_self * 1e9 / r_msgs : 0);
	print_shares(r_t, r_srv, r_self, r_msgs, busy1);
	if (use_tls)
		printf(" tls=%s", tls_desc);
	printf("\n");
	return errors ? 1 : 0;
}

/* --------------------------------------------------------------- latency */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* blocking I/O for latency mode: plain or TLS */
static ssize_t io_write(SSL *ssl, int fd, const void *p, size_t n)
{
#ifdef LOADGEN_TLS
	if (ssl) {
		int w = SSL_write(ssl, p, (int)n);
		return w > 0 ? w : -1;
	}
#endif
	(void)ssl;
	return write(fd, p, n);
}

static ssize_t io_read(SSL *ssl, int fd, void *p, size_t n)
{
#ifdef LOADGEN_TLS
	if (ssl) {
		int r = SSL_read(ssl, p, (int)n);
		if (r > 0)
			return r;
		return SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
	}
#endif
	(void)ssl;
	return read(fd, p, n);
}

static int run_latency(void)
{
	make_pattern((size_t)msgsize);
	int fd = dial(0);
	if (fd < 0)
		die("connect");
	SSL *ssl = NULL;
	if (use_tls && !(ssl = tls_connect(fd)))
		exit(1);
	size_t cap = 1 << 20, ns = 0;
	uint64_t *samples = malloc(cap * sizeof *samples);
	unsigned char *buf = malloc(msgsize);
	if (!samples || !buf)
		die("malloc");
	uint64_t stream = 0, count = 0;
	double t0 = now(), tstart = t0 + warmup, tend = tstart + secs;
	double m_t = 0, m_srv = 0, m_self = 0;
	int measuring = 0;
	for (;;) {
		size_t pos = stream % PATLEN;
		uint64_t a = now_ns();
		for (size_t off = 0; off < (size_t)msgsize;) {
			ssize_t w = io_write(ssl, fd, pat + pos + off, msgsize - off);
			if (w <= 0) {
				if (w < 0 && errno == EINTR)
					continue;
				die("write");
			}
			off += (size_t)w;
		}
		for (size_t got = 0; got < (size_t)msgsize;) {
			ssize_t r = io_read(ssl, fd, buf + got, msgsize - got);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				fprintf(stderr, "loadgen: latency: %s\n", r == 0 ? "closed by server" : strerror(errno));
				errors++;
				goto out;
			}
			got += (size_t)r;
		}
		uint64_t b = now_ns();
		if (memcmp(buf, pat + pos, msgsize)) {
			fprintf(stderr, "loadgen: latency: echo mismatch at stream byte %llu\n", (unsigned long long)stream);
			errors++;
			goto out;
		}
		stream += msgsize;
		double tn = now();
		if (!measuring && tn >= tstart) {
			measuring = 1;
			m_t = tn, m_srv = proc_cpu(srvpid), m_self = self_cpu();
			sys_busy(busy0);
			continue;
		}
		if (measuring) {
			if (ns == cap) {
				cap *= 2;
				samples = realloc(samples, cap * sizeof *samples);
				if (!samples)
					die("realloc");
			}
			samples[ns++] = b - a;
			count++;
			if (tn >= tend)
				break;
		}
	}
out:;
	double r_t = measuring ? now() - m_t : 0;
	double r_srv = measuring ? proc_cpu(srvpid) - m_srv : -1, r_self = measuring ? self_cpu() - m_self : 0;
	tls_close(ssl);
	close(fd);
	qsort(samples, ns, sizeof *samples, cmp_u64);
#define PCT(p) (ns ? samples[(size_t)((ns - 1) * (p))] / 1000.0 : 0)
	double sum = 0;
	for (size_t i = 0; i < ns; i++)
		sum += samples[i];
	printf("RESULT mode=latency size=%d secs=%.3f msgs=%llu msgs_per_s=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f "
	       "p999_us=%.2f max_us=%.2f mean_us=%.2f errors=%llu lg_cpu_s=%.3f lg_share=%.3f",
	       msgsize, r_t, (unsigned long long)count, r_t > 0 ? count / r_t : 0, PCT(0.50), PCT(0.90), PCT(0.99),
	       PCT(0.999), ns ? samples[ns - 1] / 1000.0 : 0, ns ? sum / ns / 1000.0 : 0, (unsigned long long)errors,
	       r_self, r_t > 0 ? r_self / r_t : 0);
	print_shares(r_t, r_srv, r_self, count, NULL);
	if (use_tls)
		printf(" tls=%s", tls_desc);
	printf("\n");
	return errors ? 1 : 0;
}

/* ------------------------------------------------------------------ idle */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int run_idle(void)
{
	int *fds = malloc(nconns * sizeof *fds);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!fds || ep < 0)
		die("setup");
	int next = 0, pending = 0, up = 0, failed = 0, retries = 0;
	double deadline = now() + 60;
	struct epoll_event evs[MAXEV];
	while (up < nconns && now() < deadline) {
		while (next < nconns && pending < 256) {
			int fd = dial(1);
			if (fd < 0) {
				failed++;
				next++;
				continue;
			}
			fds[next] = fd;
			struct epoll_event e = {.events = EPOLLOUT, .data.u32 = (uint32_t)next};
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
			next++, pending++;
		}
		if (!pending)
			break;
		int n = epoll_wait(ep, evs, MAXEV, 100);
		for (int i = 0; i < n; i++) {
			int idx = (int)evs[i].data.u32, fd = fds[idx], err = 0;
			socklen_t l = sizeof err;
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			pending--;
			if (err) {
				close(fd);
				if (retries++ < nconns) { /* redial this slot */
					fds[idx] = dial(1);
					if (fds[idx] >= 0) {
						struct epoll_event e = {.events = EPOLLOUT, .data.u32 = (uint32_t)idx};
						epoll_ctl(ep, EPOLL_CTL_ADD, fds[idx], &e);
						pending++;
						continue;
					}
				}
				failed++;
				continue;
			}
			up++;
		}
		if (failed + up >= nconns)
			break;
	}
	printf("ESTABLISHED %d failed=%d\n", up, failed);
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	double until = now() + secs;
	while (!stop && now() < until)
		usleep(20000);
	for (int i = 0; i < next; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	printf("RESULT mode=idle conns=%d established=%d failed=%d\n", nconns, up, failed);
	return up == nconns ? 0 : 1;
}

/* ------------------------------------------------------------- handshake */

#ifdef LOADGEN_TLS
struct hs {
	int fd;
	SSL *ssl;
	int state;     /* 0 idle, 1 handshaking, 2 writing the message, 3 reading its echo */
	uint32_t ev;   /* epoll events armed */
	size_t got;    /* echo bytes received */
	uint32_t off;  /* pattern offset of this exchange */
	unsigned char *buf;
};

static struct hs *hss;
static uint64_t hs_done, hs_seq;

static void hs_arm(struct hs *h, uint32_t ev)
{
	if (h->ev == ev)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = h};
	epoll_ctl(ep, h->ev ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, h->fd, &e);
	h->ev = ev;
}

static void hs_end(struct hs *h, int polite)
{
	if (h->ssl) {
		if (polite)
			SSL_shutdown(h->ssl);
		SSL_free(h->ssl);
		h->ssl = NULL;
	}
	ERR_clear_error();
	if (h->fd >= 0) {
		close(h->fd); /* also drops it from the epoll set */
		h->fd = -1;
	}
	h->ev = 0;
	h->state = 0;
}

static void hs_fail(struct hs *h, const char *why)
{
	errors++;
	if (nerrprint++ < 5)
		fprintf(stderr, "loadgen: handshake slot %ld: %s\n", (long)(h - hss), why);
	hs_end(h, 0);
}

static void hs_start(struct hs *h)
{
	h->fd = dial(1);
	if (h->fd < 0) {
		hs_fail(h, strerror(errno));
		return;
	}
	h->ssl = SSL_new(tls_ctx);
	if (!h->ssl || !SSL_set_fd(h->ssl, h->fd)) {
		hs_fail(h, tls_err("SSL_new failed"));
		return;
	}
	SSL_set_connect_state(h->ssl);
	h->state = 1, h->got = 0, h->ev = 0;
	h->off = (uint32_t)((hs_seq++ * 7919u) % PATLEN);
}

/* runs slot h as far as it goes without blocking; 1 when an exchange completed */
static int hs_step(struct hs *h)
{
	for (;;) {
		int r, e;
		switch (h->state) {
		case 1:
			r = SSL_do_handshake(h->ssl);
			if (r == 1) {
				tls_note(h->ssl);
				h->state = 2;
				continue;
			}
			break;
		case 2:
			r = SSL_write(h->ssl, pat + h->off, msgsize);
			if (r > 0) {
				h->state = 3;
				continue;
			}
			break;
		case 3:
			r = SSL_read(h->ssl, h->buf + h->got, msgsize - (int)h->got);
			if (r > 0) {
				h->got += (size_t)r;
				if (h->got < (size_t)msgsize)
					continue;
				if (memcmp(h->buf, pat + h->off, msgsize)) {
					hs_fail(h, "echo mismatch");
					return 0;
				}
				hs_end(h, 1);
				return 1;
			}
			break;
		default:
			return 0;
		}
		e = SSL_get_error(h->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			hs_arm(h, EPOLLIN);
			return 0;
		}
		if (e == SSL_ERROR_WANT_WRITE) {
			hs_arm(h, EPOLLOUT);
			return 0;
		}
		char why[320];
		snprintf(why, sizeof why, "%s: %s", h->state == 1 ? "handshake" : h->state == 2 ? "write" : "read",
			 e == SSL_ERROR_ZERO_RETURN ? "closed by server" : tls_err(errno ? strerror(errno) : "connection closed"));
		hs_fail(h, why);
		return 0;
	}
}

static int run_handshake(void)
{
	make_pattern((size_t)msgsize);
	hss = calloc(nconns, sizeof *hss);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!hss || ep < 0)
		die("setup");
	for (int i = 0; i < nconns; i++) {
		hss[i].fd = -1;
		if (!(hss[i].buf = malloc(msgsize)))
			die("malloc");
	}
	struct epoll_event evs[MAXEV];
	double t0 = now(), tstart = t0 + warmup, tend = tstart + secs;
	int phase = 0; /* 0 warm-up, 1 measuring, 2 draining */
	double m_t = 0, m_srv = 0, m_self = 0, drain_deadline = 0;
	double r_t = 0, r_srv = 0, r_self = 0, busy1[8] = {0};
	uint64_t m_done = 0, r_done = 0;
	for (;;) {
		if (phase < 2 && errors < 1000) /* idle slots dial again */
			for (int i = 0; i < nconns; i++)
				if (hss[i].state == 0) {
					hs_start(&hss[i]);
					if (hss[i].state)
						hs_done += hs_step(&hss[i]);
				}
		int n = epoll_wait(ep, evs, MAXEV, 50);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++)
			hs_done += hs_step(evs[i].data.ptr);
		double t = now();
		if (phase == 0 && t >= tstart) {
			m_t = t, m_srv = proc_cpu(srvpid), m_self = self_cpu(), m_done = hs_done;
			sys_busy(busy0);
			phase = 1;
		} else if (phase == 1 && t >= tend) {
			r_t = t - m_t, r_srv = proc_cpu(srvpid) - m_srv, r_self = self_cpu() - m_self, r_done = hs_done - m_done;
			sys_busy(busy1);
			if (srvpid && m_srv < 0)
				r_srv = -1;
			phase = 2;
			drain_deadline = t + 3;
		}
		if (phase == 2) {
			int busy = 0;
			for (int i = 0; i < nconns; i++)
				busy += hss[i].state != 0;
			if (!busy)
				break;
			if (t >= drain_deadline) {
				for (int i = 0; i < nconns; i++)
					if (hss[i].state)
						hs_fail(&hss[i], "exchange not complete 3 s after the end");
				break;
			}
		}
		if (errors >= 1000 && phase < 2) {
			fprintf(stderr, "loadgen: giving up after %llu failed exchanges\n", (unsigned long long)errors);
			r_t = t - (phase ? m_t : t0);
			break;
		}
	}
	printf("RESULT mode=handshake conns=%d size=%d secs=%.3f msgs=%llu msgs_per_s=%.0f handshakes_per_s=%.0f "
	       "errors=%llu all_msgs=%llu lg_cpu_s=%.3f lg_share=%.3f lg_ns_per_msg=%.0f",
	       nconns, msgsize, r_t, (unsigned long long)r_done, r_t > 0 ? r_done / r_t : 0, r_t > 0 ? r_done / r_t : 0,
	       (unsigned long long)errors, (unsigned long long)hs_done, r_self, r_t > 0 ? r_self / r_t : 0,
	       r_done ? r_self * 1e9 / r_done : 0);
	print_shares(r_t, r_srv, r_self, r_done, busy1);
	printf(" tls=%s\n", tls_desc);
	return errors ? 1 : 0;
}
#endif

/* ------------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr, "usage: loadgen -m echo|http|latency|idle|handshake [-T] [-a addr] [-p port] [-c conns] [-d depth] "
			"[-s size] [-w warmup_s] [-t secs] [-P server_pid]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = "echo";
	int o;
	while ((o = getopt(argc, argv, "m:a:p:c:d:s:w:t:P:T")) != -1) {
		switch (o) {
		case 'T': use_tls = 1; break;
		case 'm': mode = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 'd': depth = atoi(optarg); break;
		case 's': msgsize = atoi(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'P': srvpid = atoi(optarg); break;
		default: usage();
		}
	}
	if (nconns < 1 || depth < 1 || msgsize < 1 || secs <= 0 || warmup < 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (use_tls || !strcmp(mode, "handshake")) {
		if (!use_tls || !strcmp(mode, "idle")) {
			fprintf(stderr, "loadgen: -T goes with -m echo, latency or handshake, and handshake needs -T\n");
			return 2;
		}
		tls_init();
	}
#ifdef LOADGEN_TLS
	if (!strcmp(mode, "handshake"))
		return run_handshake();
#endif
	if (!strcmp(mode, "echo"))
		return run_stream(0);
	if (!strcmp(mode, "http") && !use_tls)
		return run_stream(1);
	if (!strcmp(mode, "latency"))
		return run_latency();
	if (!strcmp(mode, "idle"))
		return run_idle();
	usage();
	return 2;
}
