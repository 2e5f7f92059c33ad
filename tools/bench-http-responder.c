/*
 * bench-http-responder.c: a tiny HTTP/1.1 keep-alive responder on 127.0.0.1
 * for tools/bench-http.  Answers every request (Content-Length bodies only)
 * with one canned DescribeExecution-sized JSON response, so client costs
 * dominate the measurement.  Prints "PORT <n>" once listening, and
 * "connections <n>" to stderr at each new connection; runs until killed.
 *
 *   cc -O2 -o responder tools/bench-http-responder.c && ./responder
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 256
#define BUFSZ 65536

static const char BODY[] =
    "{\"executionArn\":\"arn:aws:states:us-east-1:123456789012:execution:OrderMachine:exec-0001\","
    "\"stateMachineArn\":\"arn:aws:states:us-east-1:123456789012:stateMachine:OrderMachine\","
    "\"name\":\"exec-0001\",\"status\":\"SUCCEEDED\",\"startDate\":1.700000000123E9,"
    "\"stopDate\":1.700000001456E9,\"input\":\"{\\\"orderId\\\":42,\\\"items\\\":[1,2,3]}\","
    "\"inputDetails\":{\"included\":true},\"output\":\"{\\\"ok\\\":true,\\\"total\\\":99.5}\","
    "\"outputDetails\":{\"included\":true},\"redriveCount\":0,\"redriveStatus\":\"NOT_REDRIVABLE\"}";

typedef struct {
  int fd;
  size_t len;
  char buf[BUFSZ];
} conn;

static conn *conns[MAXC];

/* Length of one whole request at the front of c->buf, or 0 if incomplete. */
static size_t whole_request(const conn *c) {
  const char *end, *p;
  size_t head, clen = 0;
  if (c->len < 4) return 0;
  end = NULL;
  for (p = c->buf; p + 3 < c->buf + c->len; p++)
    if (p[0] == '\r' && p[1] == '\n' && p[2] == '\r' && p[3] == '\n') { end = p; break; }
  if (!end) return 0;
  head = (size_t)(end - c->buf) + 4;
  for (p = c->buf; p < end; p++) {
    if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
      clen = (size_t)strtoul(p + 15, NULL, 10);
      break;
    }
  }
  return c->len >= head + clen ? head + clen : 0;
}

int main(void) {
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  int one = 1, lfd, nconn = 0, i;
  char resp[2048];
  int rlen = snprintf(resp, sizeof resp,
                      "HTTP/1.1 200 OK\r\nx-amzn-RequestId: 0f6b5b4e-1111-2222-3333-444455556666\r\n"
                      "Content-Type: application/x-amz-json-1.0\r\nContent-Length: %zu\r\n\r\n%s",
                      sizeof BODY - 1, BODY);
  lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 128) != 0) return 1;
  getsockname(lfd, (struct sockaddr *)&a, &alen);
  printf("PORT %d\n", ntohs(a.sin_port));
  fflush(stdout);
  setvbuf(stderr, NULL, _IOLBF, 0);
  for (;;) {
    struct pollfd p[MAXC + 2];
    int n = 0, idx[MAXC + 2];
    p[n].fd = lfd; p[n].events = POLLIN; idx[n++] = -1;
    for (i = 0; i < MAXC; i++)
      if (conns[i]) { p[n].fd = conns[i]->fd; p[n].events = POLLIN; idx[n++] = i; }
    if (poll(p, (nfds_t)n, -1) < 0) continue;
    if (p[0].revents & POLLIN) {
      int fd = accept(lfd, NULL, NULL);
      if (fd >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        for (i = 0; i < MAXC && conns[i]; i++) {
        }
        if (i == MAXC) close(fd);
        else {
          conns[i] = calloc(1, sizeof(conn));
          if (!conns[i]) return 1;
          conns[i]->fd = fd;
          fprintf(stderr, "connections %d\n", ++nconn);
        }
      }
    }
    for (i = 1; i < n; i++) {
      conn *c = conns[idx[i]];
      ssize_t r;
      size_t w;
      if (!p[i].revents) continue;
      r = read(c->fd, c->buf + c->len, BUFSZ - c->len);
      if (r <= 0) {
        close(c->fd);
        free(c);
        conns[idx[i]] = NULL;
        continue;
      }
      c->len += (size_t)r;
      while ((w = whole_request(c)) > 0) {
        if (write(c->fd, resp, (size_t)rlen) != rlen) break;
        memmove(c->buf, c->buf + w, c->len - w);
        c->len -= w;
      }
      if (c->len == BUFSZ) c->len = 0; /* oversized request: drop it */
    }
  }
}
