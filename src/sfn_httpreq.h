/*
 * sfn_httpreq.h: an incremental (sans-I/O) HTTP/1.1 request parser for the
 * local service's server.  The host feeds the bytes it read; the parser says
 * when a whole request is there, when it needs more, or which status to
 * answer a bad request with.  It never reads a socket or a clock.
 *
 * Supported: HTTP/1.0 and 1.1 request heads (a request line, header fields
 * with CRLF or bare LF line ends), bodies by Content-Length or by chunked
 * transfer coding (chunk extensions and trailers accepted and dropped),
 * Connection: close / keep-alive, Expect: 100-continue, pipelined requests
 * (bytes after a request stay buffered for the next one).
 *
 * Errors (sfn_httpreq_status gives the status to answer; the connection
 * must be closed after answering):
 *   400 malformed request line, header field, Content-Length, chunk; both
 *       Content-Length and Transfer-Encoding; no or several Host in 1.1;
 *       a Transfer-Encoding whose last coding is not chunked
 *   413 a body (announced or received) larger than max_body
 *   431 a head (or trailer section) larger than max_header_bytes, or more
 *       than max_headers fields
 *   501 a transfer coding other than chunked before the final chunked
 *   505 an HTTP major version other than 1
 */
#ifndef SFN_HTTPREQ_H
#define SFN_HTTPREQ_H

#include "sfn_core.h"

typedef struct sfn_httpreq sfn_httpreq;

/* Limits; a zero field takes its default. */
typedef struct sfn_httpreq_limits {
  size_t max_header_bytes; /* request line + fields + blank line (default 16384) */
  size_t max_headers;      /* header fields (default 100) */
  size_t max_body;         /* decoded body bytes (default 1 MiB + 64 KiB) */
} sfn_httpreq_limits;

/* What sfn_httpreq_feed reports. */
enum {
  SFN_HTTPREQ_MORE = 0,  /* the request is not complete: feed more bytes */
  SFN_HTTPREQ_DONE = 1,  /* a whole request is parsed (read it, then _next) */
  SFN_HTTPREQ_ERROR = 2  /* a bad request: _status / the error say why */
};

/* A header field as received, pointing into the parser (valid until _next
 * or _free).  name keeps its case; value has no surrounding whitespace. */
typedef struct sfn_httpreq_field {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
} sfn_httpreq_field;

/* A new parser with the given limits (NULL: defaults); NULL on OOM. */
sfn_httpreq *sfn_httpreq_new(const sfn_httpreq_limits *limits, sfn_error *err);
void sfn_httpreq_free(sfn_httpreq *p);

/*
 * Appends len bytes (data may be NULL when len is 0) and parses as far as
 * they go.  Returns SFN_HTTPREQ_MORE, _DONE or _ERROR; once DONE or ERROR,
 * further feeds only buffer (DONE) or do nothing (ERROR) until _next.  On
 * ERROR err gets code "HttpRequestError" and a message; on OOM it returns
 * SFN_HTTPREQ_ERROR with status 500 and err "OutOfMemory".
 */
int sfn_httpreq_feed(sfn_httpreq *p, const char *data, size_t len, sfn_error *err);

/*
 * Forgets the request just parsed and starts on the bytes buffered after it
 * (a pipelined request); returns what sfn_httpreq_feed(p, NULL, 0) would.
 * After an ERROR the connection is unusable and _next keeps reporting it.
 */
int sfn_httpreq_next(sfn_httpreq *p, sfn_error *err);

/* The status to answer an ERROR with (400, 413, 431, 500, 501, 505); 0 otherwise. */
int sfn_httpreq_status(const sfn_httpreq *p);

/* The parsed request (valid after DONE, until _next/_free). */
const char *sfn_httpreq_method(const sfn_httpreq *p, size_t *len);
const char *sfn_httpreq_target(const sfn_httpreq *p, size_t *len);
int sfn_httpreq_version_minor(const sfn_httpreq *p); /* 0 or 1 */
size_t sfn_httpreq_field_count(const sfn_httpreq *p);
/* The i-th field (0-based); 0 when i is out of range, 1 when f was filled. */
int sfn_httpreq_get_field(const sfn_httpreq *p, size_t i, sfn_httpreq_field *f);
const char *sfn_httpreq_body(const sfn_httpreq *p, size_t *len);
/* Whether the connection stays open after the answer (1.1 unless
 * "Connection: close"; 1.0 only with "Connection: keep-alive"). */
int sfn_httpreq_keep_alive(const sfn_httpreq *p);

/*
 * 1 once, when the head of a request with "Expect: 100-continue" is parsed
 * and its body has not fully arrived: the host should send
 * "HTTP/1.1 100 Continue" now.  Reading it clears it.
 */
int sfn_httpreq_take_continue(sfn_httpreq *p);

/* Bytes received and not yet part of a complete request (0 between requests
 * means a clean end of the connection is possible). */
size_t sfn_httpreq_pending(const sfn_httpreq *p);

#endif
