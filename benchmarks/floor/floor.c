/*
 * floor: the minimal single-threaded epoll echo server used as the "floor"
 * for an epoll design. Level-triggered, one shared read buffer, write back
 * what was read. A short write (rare: the peer's window is full) parks the
 * rest in a per-connection buffer and waits for EPOLLOUT without reading
 * more from that connection, so bytes are never lost or reordered.
 *
 *   floor [-addr 127.0.0.1] [-port 9000] [-loops N] [-mode echo]
 *
 * -loops and -mode are accepted for a uniform command line; only echo exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ (64 * 1024)
#define MAXEV 256

struct pending {
	char *buf;
	size_t off, len;
};

static struct pending *pend; /* indexed by fd */
static int npend;
static int ep;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static struct pending *pending_of(int fd)
{
	if (fd >= npend) {
		int n = npend ? npend : 1024;
		while (n <= fd)
			n *= 2;
		pend = realloc(pend, n * sizeof *pend);
		if (!pend)
			die("realloc");
		memset(pend + npend, 0, (n - npend) * sizeof *pend);
		npend = n;
	}
	return &pend[fd];
}

static void drop(int fd)
{
	if (fd < npend) {
		free(pend[fd].buf);
		memset(&pend[fd], 0, sizeof pend[fd]);
	}
	close(fd); /* also removes it from the epoll set */
}

static void set_events(int fd, unsigned ev)
{
	struct epoll_event e = {.events = ev, .data.fd = fd};
	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e) < 0)
		die("epoll_ctl mod");
}

/* write buf[0:n]; returns 0 on success (rest parked if short), -1 on error */
static int send_back(int fd, const char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pending *p = pending_of(fd);
			p->buf = malloc(n - done);
			if (!p->buf)
				die("malloc");
			memcpy(p->buf, buf + done, n - done);
			p->off = 0;
			p->len = n - done;
			set_events(fd, EPOLLOUT);
			return 0;
		}
		return -1;
	}
	return 0;
}

static int flush_pending(int fd)
{
	struct pending *p = pending_of(fd);
	while (p->off < p->len) {
		ssize_t w = write(fd, p->buf + p->off, p->len - p->off);
		if (w > 0) {
			p->off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		return -1;
	}
	free(p->buf);
	memset(p, 0, sizeof *p);
	set_events(fd, EPOLLIN);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	int port = 9000;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *f = argv[i];
		while (*f == '-')
			f++;
		if (!strcmp(f, "addr"))
			addr = argv[i + 1];
		else if (!strcmp(f, "port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(f, "mode")) {
			if (strcmp(argv[i + 1], "echo")) {
				fprintf(stderr, "floor: only -mode echo\n");
				return 2;
			}
		} else if (strcmp(f, "loops")) {
			fprintf(stderr, "floor: unknown flag %s\n", argv[i]);
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);

	int ln = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ln < 0)
		die("socket");
	int one = 1;
	setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "floor: bad address %s\n", addr);
		return 2;
	}
	if (bind(ln, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind");
	if (listen(ln, 4096) < 0)
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	struct epoll_event e = {.events = EPOLLIN, .data.fd = ln};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ln, &e) < 0)
		die("epoll_ctl add listener");
	printf("READY lib=floor mode=echo pid=%d\n", (int)getpid());
	fflush(stdout);

	static char buf[BUFSZ];
	struct epoll_event evs[MAXEV];
	for (;;) {
		int n = epoll_wait(ep, evs, MAXEV, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ln) {
				for (;;) {
					int c = accept4(ln, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
					if (c < 0)
						break;
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) < 0)
						die("epoll_ctl add");
				}
				continue;
			}
			if (fd < npend && pend[fd].buf) { /* parked bytes go first */
				if (flush_pending(fd) < 0)
					drop(fd);
				continue;
			}
			ssize_t r = read(fd, buf, sizeof buf);
			if (r > 0) {
				if (send_back(fd, buf, (size_t)r) < 0)
					drop(fd);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				drop(fd);
			}
		}
	}
}
