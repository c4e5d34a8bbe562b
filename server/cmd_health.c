/* octet health — probe a running server: GET a path (default /v2/health/ready)
 * on HOST:PORT and exit 0 on 200, 1 otherwise. The container's HEALTHCHECK and
 * exec probes use it, so the image needs no curl. Settings as `octet serve`'s
 * (--host / --port, OCTET_HOST / OCTET_PORT; a 0.0.0.0 host is probed on
 * 127.0.0.1). */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: octet health [--host 127.0.0.1] [--port 8000] [--path /v2/health/ready] [--timeout-ms 2000]\n"
               "Exit 0 when GET PATH answers 200, else 1 (prints the status line or the error).\n");
}

/* Wait until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, int ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, ms) == 1 && (p.revents & (events | POLLHUP));
}

int oct_cmd_health(int argc, char **argv)
{
    const char *host = getenv("OCTET_HOST"), *port_s = getenv("OCTET_PORT"), *path = "/v2/health/ready";
    int timeout = 2000;
    if (!host || !*host) host = "127.0.0.1";
    int port = port_s && *port_s ? atoi(port_s) : 8000;
    static const struct option lo[] = {{"host", required_argument, 0, 'H'}, {"port", required_argument, 0, 'p'},
                                       {"path", required_argument, 0, 'P'}, {"timeout-ms", required_argument, 0, 't'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'H': host = optarg; break;
        case 'p': if ((port = oct_cli_int("--port", optarg, 1, 65535)) < 0) return 2; break;
        case 'P': path = optarg; break;
        case 't': if ((timeout = oct_cli_int("--timeout-ms", optarg, 1, 600000)) < 0) return 2; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc || path[0] != '/' || strpbrk(path, " \r\n")) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(host, "0.0.0.0")) host = "127.0.0.1";
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "octet health: '%s' is not an IPv4 address\n", host);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        perror("octet health: socket");
        return 1;
    }
    int ok = 0;
    char req[1024], buf[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", path, host, port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && !wait_fd(fd, POLLOUT, timeout)) {
        fprintf(stderr, "octet health: cannot connect to %s:%d\n", host, port);
    } else if (write(fd, req, (size_t)n) != n) {
        fprintf(stderr, "octet health: cannot connect to %s:%d\n", host, port);
    } else if (!wait_fd(fd, POLLIN, timeout)) {
        fprintf(stderr, "octet health: no answer from %s:%d in %d ms\n", host, port, timeout);
    } else {
        ssize_t got = read(fd, buf, sizeof buf - 1);
        buf[got > 0 ? got : 0] = 0;
        char *eol = strstr(buf, "\r\n");
        if (eol) *eol = 0;
        ok = !strncmp(buf, "HTTP/1.1 200", 12) || !strncmp(buf, "HTTP/1.0 200", 12);
        printf("%s%s\n", buf[0] ? buf : "(no status line)", ok ? "" : " (not ready)");
    }
    close(fd);
    return ok ? 0 : 1;
}
