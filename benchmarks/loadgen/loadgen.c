/*
 * loadgen: cheap, verifying load generator for the reactor benchmarks.
 *
 *   loadgen -m echo    [-a ADDR] [-p PORT] [-c CONNS] [-d DEPTH] [-s SIZE]
 *                      [-w WARMUP_S] [-t SECS] [-P SERVER_PID]
 *   loadgen -m latency [-a ADDR] [-p PORT] [-s SIZE] [-w WARMUP_S] [-t SECS] [-P PID]
 *   loadgen -m idle    [-a ADDR] [-p PORT] [-c CONNS] [-t HOLD_S]
 *
 * echo:    CONNS connections, each keeping DEPTH messages of SIZE bytes in
 *          flight: a message is sent again each time SIZE echoed bytes come
 *          back. Single thread, epoll, non-blocking, one read per readiness
 *          event and one write per batch of completed messages. Every echoed
 *          byte is compared with what was sent (each connection streams a
 *          pseudo-random pattern from its own offset). After the measured
 *          window no new messages are sent and the ones in flight are drained
 *          and verified.
 * latency: one connection, ping-pong of SIZE bytes (blocking socket),
 *          percentiles of the round-trip time.
 * idle:    opens CONNS connections (at most 256 handshakes at a time), prints
 *          "ESTABLISHED n" once all are up, then holds them until SIGTERM/
 *          SIGINT or HOLD_S seconds.
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

#define PATLEN 65521u /* prime, so streams with different offsets do not line up */
#define RBUFSZ (64 * 1024)
#define MAXEV 512

static const char *addr = "127.0.0.1";
static int port = 9000, nconns = 100, depth = 8, msgsize = 64, srvpid = 0;
static double warmup = 1, secs = 5;
static unsigned char *pat; /* PATLEN + window bytes: pat[i] = pat[i % PATLEN] */
static size_t patwin;
static volatile sig_atomic_t stop;

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

/* prints " cpu0_busy=.. cpu1_busy=.. other_share=.." for the window since busy0 */
static void print_busy(double secs_, double srv, double lg)
{
	double b[8];
	sys_busy(b);
	if (secs_ <= 0)
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

/* ------------------------------------------------------------------ echo */

struct conn {
	int fd;
	int dead;
	int wantout;      /* EPOLLOUT armed */
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
	close(c->fd);
}

static void conn_flush(struct conn *c)
{
	while (c->sent < c->due) {
		size_t pos = (c->off + c->sent) % PATLEN;
		size_t len = c->due - c->sent; /* <= patwin by construction */
		ssize_t w = write(c->fd, pat + pos, len);
		if (w > 0) {
			c->sent += (uint64_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (!c->wantout) {
				struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
				c->wantout = 1;
			}
			return;
		}
		conn_fail(c, "write failed");
		return;
	}
	if (c->wantout) {
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
		c->wantout = 0;
	}
}

static unsigned char rbuf[RBUFSZ];

static void conn_read(struct conn *c)
{
	ssize_t n = read(c->fd, rbuf, sizeof rbuf);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_fail(c, n == 0 ? "closed by server" : "read failed");
		return;
	}
	if (c->recvd + (uint64_t)n > c->sent) {
		conn_fail(c, "server sent more bytes than it was sent");
		return;
	}
	/* verify against the pattern, in chunks that stay inside pat[] */
	size_t done = 0;
	while (done < (size_t)n) {
		size_t pos = (c->off + c->recvd + done) % PATLEN;
		size_t chunk = (size_t)n - done;
		if (chunk > PATLEN + patwin - pos)
			chunk = PATLEN + patwin - pos;
		if (memcmp(rbuf + done, pat + pos, chunk)) {
			for (size_t k = 0; k < chunk; k++)
				if (rbuf[done + k] != pat[pos + k]) {
					char why[160];
					snprintf(why, sizeof why, "echo mismatch at stream byte %llu: got 0x%02x want 0x%02x",
						 (unsigned long long)(c->recvd + done + k), rbuf[done + k], pat[pos + k]);
					conn_fail(c, why);
					return;
				}
		}
		done += chunk;
	}
	uint64_t before = c->recvd / msgsize;
	c->recvd += (uint64_t)n;
	verified_bytes += (uint64_t)n;
	uint64_t completed = c->recvd / msgsize - before;
	total_msgs += completed;
	if (sending && completed) {
		c->due += completed * msgsize;
		if (!c->wantout)
			conn_flush(c);
	}
}

static int run_echo(void)
{
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
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		c->off = (uint32_t)((i * 7919u) % PATLEN);
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
			die("epoll_ctl");
	}
	for (int i = 0; i < nconns; i++) {
		conns[i].due = (uint64_t)depth * msgsize;
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
				if (!conns[i].dead && (conns[i].recvd < conns[i].due))
					inflight++;
			if (!inflight)
				break;
			if (t >= drain_deadline) {
				for (int i = 0; i < nconns; i++)
					if (!conns[i].dead && conns[i].recvd < conns[i].due)
						conn_fail(&conns[i], "echo not complete 3 s after the end");
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
		if (!conns[i].dead)
			close(conns[i].fd);
	double mps = r_t > 0 ? r_msgs / r_t : 0;
	printf("RESULT mode=echo conns=%d depth=%d size=%d secs=%.3f msgs=%llu msgs_per_s=%.0f mb_per_s=%.2f "
	       "errors=%llu verified_bytes=%llu all_msgs=%llu lg_cpu_s=%.3f lg_share=%.3f lg_ns_per_msg=%.0f",
	       nconns, depth, msgsize, r_t, (unsigned long long)r_msgs, mps, r_t > 0 ? r_bytes / r_t / 1e6 : 0,
	       (unsigned long long)errors, (unsigned long long)verified_bytes, (unsigned long long)total_msgs, r_self, r_t > 0 ? r_self / r_t : 0,
	       r_msgs ? r_self * 1e9 / r_msgs : 0);
	if (srvpid)
		printf(" srv_cpu_s=%.3f srv_share=%.3f srv_ns_per_msg=%.0f", r_srv, r_t > 0 ? r_srv / r_t : 0,
		       r_msgs && r_srv >= 0 ? r_srv * 1e9 / r_msgs : -1);
	if (r_t > 0 && busy1[0] > 0) {
		double other = (busy1[0] - busy0[0]) - (r_srv > 0 ? r_srv : 0) - r_self;
		printf(" cpu0_busy=%.3f cpu1_busy=%.3f other_share=%.3f", (busy1[1] - busy0[1]) / r_t,
		       (busy1[2] - busy0[2]) / r_t, other > 0 ? other / r_t : 0);
	}
	printf("\n");
	return errors ? 1 : 0;
}

/* --------------------------------------------------------------- latency */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int run_latency(void)
{
	make_pattern((size_t)msgsize);
	int fd = dial(0);
	if (fd < 0)
		die("connect");
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
			ssize_t w = write(fd, pat + pos + off, msgsize - off);
			if (w <= 0) {
				if (w < 0 && errno == EINTR)
					continue;
				die("write");
			}
			off += (size_t)w;
		}
		for (size_t got = 0; got < (size_t)msgsize;) {
			ssize_t r = read(fd, buf + got, msgsize - got);
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
	if (srvpid)
		printf(" srv_cpu_s=%.3f srv_share=%.3f srv_ns_per_msg=%.0f", r_srv, r_t > 0 ? r_srv / r_t : 0,
		       count && r_srv >= 0 ? r_srv * 1e9 / count : -1);
	print_busy(r_t, r_srv, r_self);
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

/* ------------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr, "usage: loadgen -m echo|latency|idle [-a addr] [-p port] [-c conns] [-d depth] "
			"[-s size] [-w warmup_s] [-t secs] [-P server_pid]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = "echo";
	int o;
	while ((o = getopt(argc, argv, "m:a:p:c:d:s:w:t:P:")) != -1) {
		switch (o) {
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
	if (!strcmp(mode, "echo"))
		return run_echo();
	if (!strcmp(mode, "latency"))
		return run_latency();
	if (!strcmp(mode, "idle"))
		return run_idle();
	usage();
	return 2;
}
