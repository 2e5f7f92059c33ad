/*
 * sfn_httpreq.c: the incremental HTTP/1.1 request parser (see sfn_httpreq.h).
 *
 * Bytes fed are appended to `in`; in[off..len) is what has not been parsed
 * yet.  The head is parsed a line at a time as lines complete, and each line
 * is copied into `head` (the request line, then every field as name and
 * value), so fields stay valid while `in` moves.  Bodies are copied into
 * `body` (decoded from chunks when chunked).  After a request is DONE the
 * bytes after it stay in `in` for the next one (_next).
 */
#include "sfn_httpreq.h"

#include <string.h>

#define DEFAULT_HEADER_BYTES 16384
#define DEFAULT_HEADERS 100
#define DEFAULT_BODY (1048576 + 65536)
#define MAX_CHUNK_LINE 4096

enum { S_HEAD, S_BODY, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_END, S_TRAILER, S_DONE, S_ERROR };

typedef struct field_pos {
  size_t name_off, name_len, value_off, value_len;
} field_pos;

struct sfn_httpreq {
  sfn_httpreq_limits lim;
  int state, status;
  const char *errmsg;     /* static text of the error */
  sfn_buf in;
  size_t off;             /* first unparsed byte of in */
  size_t head_bytes;      /* bytes of this head (or trailer section) consumed so far */
  sfn_buf head;           /* copied request line and fields */
  size_t method_len, target_off, target_len;
  int minor, have_line;
  field_pos *fields;
  size_t nfields, cap_fields;
  int keep_alive, expect_continue, continue_pending;
  sfn_buf body;
  uint64_t remaining;     /* Content-Length left, or the current chunk's bytes left */
};

static int fail(sfn_httpreq *p, int status, const char *msg, sfn_error *err) {
  p->state = S_ERROR;
  p->status = status;
  p->errmsg = msg;
  if (status == 500) sfn_error_oom(err);
  else sfn_error_set(err, "HttpRequestError", "%s", msg);
  return SFN_HTTPREQ_ERROR;
}

static int is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int ieq(const char *a, size_t n, const char *lit) {
  size_t i, m = strlen(lit);
  if (n != m) return 0;
  for (i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != lit[i]) return 0;
  return 1;
}

sfn_httpreq *sfn_httpreq_new(const sfn_httpreq_limits *limits, sfn_error *err) {
  sfn_httpreq *p = sfn_malloc(sizeof *p);
  if (!p) {
    sfn_error_oom(err);
    return NULL;
  }
  memset(p, 0, sizeof *p);
  if (limits) p->lim = *limits;
  if (!p->lim.max_header_bytes) p->lim.max_header_bytes = DEFAULT_HEADER_BYTES;
  if (!p->lim.max_headers) p->lim.max_headers = DEFAULT_HEADERS;
  if (!p->lim.max_body) p->lim.max_body = DEFAULT_BODY;
  sfn_buf_init(&p->in);
  sfn_buf_init(&p->head);
  sfn_buf_init(&p->body);
  p->state = S_HEAD;
  return p;
}

void sfn_httpreq_free(sfn_httpreq *p) {
  if (!p) return;
  sfn_buf_free(&p->in);
  sfn_buf_free(&p->head);
  sfn_buf_free(&p->body);
  sfn_free(p->fields);
  sfn_free(p);
}

/* The next complete line at in[off..): its length without the line end in
 * *n and the bytes to consume (with the end) in *used; 0 when incomplete. */
static int next_line(sfn_httpreq *p, size_t *n, size_t *used) {
  const char *s = p->in.data + p->off;
  size_t avail = p->in.len - p->off;
  const char *nl = avail ? memchr(s, '\n', avail) : NULL;
  size_t k;
  if (!nl) return 0;
  k = (size_t)(nl - s);
  *used = k + 1;
  if (k > 0 && s[k - 1] == '\r') k--;
  *n = k;
  return 1;
}

/* request-line = method SP request-target SP HTTP-version */
static int parse_request_line(sfn_httpreq *p, const char *s, size_t n, sfn_error *err) {
  size_t i = 0, m, t0;
  while (i < n && is_tchar((unsigned char)s[i])) i++;
  if (i == 0 || i >= n || s[i] != ' ') return fail(p, 400, "malformed request line", err);
  m = i++;
  t0 = i;
  while (i < n && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f) i++;
  if (i == t0 || i >= n || s[i] != ' ') return fail(p, 400, "malformed request line", err);
  p->method_len = m;
  p->target_off = t0;
  p->target_len = i - t0;
  i++;
  if (n - i != 8 || memcmp(s + i, "HTTP/", 5) != 0 || s[i + 5] < '0' || s[i + 5] > '9' ||
      s[i + 6] != '.' || s[i + 7] < '0' || s[i + 7] > '9')
    return fail(p, 400, "malformed HTTP version", err);
  if (s[i + 5] != '1') return fail(p, 505, "HTTP version not supported", err);
  p->minor = s[i + 7] == '0' ? 0 : 1;
  sfn_buf_add(&p->head, s, n);
  if (p->head.oom) return fail(p, 500, "out of memory", err);
  p->have_line = 1;
  return SFN_HTTPREQ_MORE;
}

/* field-line = field-name ":" OWS field-value OWS; checked, and when keep
 * is set, copied into head. */
static int parse_field(sfn_httpreq *p, const char *s, size_t n, int keep, sfn_error *err) {
  size_t i = 0, v0, v1;
  field_pos *f;
  if (s[0] == ' ' || s[0] == '\t') return fail(p, 400, "obsolete line folding", err);
  while (i < n && is_tchar((unsigned char)s[i])) i++;
  if (i == 0 || i >= n || s[i] != ':') return fail(p, 400, "malformed header field", err);
  v0 = i + 1;
  while (v0 < n && (s[v0] == ' ' || s[v0] == '\t')) v0++;
  v1 = n;
  while (v1 > v0 && (s[v1 - 1] == ' ' || s[v1 - 1] == '\t')) v1--;
  for (size_t j = v0; j < v1; j++) {
    unsigned char c = (unsigned char)s[j];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(p, 400, "invalid character in header field", err);
  }
  if (!keep) return SFN_HTTPREQ_MORE;
  if (p->nfields >= p->lim.max_headers) return fail(p, 431, "too many header fields", err);
  if (p->nfields == p->cap_fields) {
    size_t cap = p->cap_fields ? p->cap_fields * 2 : 16;
    field_pos *nf = sfn_realloc(p->fields, cap * sizeof *nf);
    if (!nf) return fail(p, 500, "out of memory", err);
    p->fields = nf;
    p->cap_fields = cap;
  }
  f = &p->fields[p->nfields++];
  f->name_off = p->head.len;
  f->name_len = i;
  sfn_buf_add(&p->head, s, i);
  f->value_off = p->head.len;
  f->value_len = v1 - v0;
  sfn_buf_add(&p->head, s + v0, v1 - v0);
  if (p->head.oom) return fail(p, 500, "out of memory", err);
  return SFN_HTTPREQ_MORE;
}

/* Calls fn for each non-empty element of a comma-separated list value. */
typedef int (*element_fn)(sfn_httpreq *p, const char *e, size_t n, void *ud);

static int each_element(sfn_httpreq *p, const char *v, size_t n, element_fn fn, void *ud) {
  size_t i = 0;
  while (i <= n) {
    size_t a = i, b;
    while (i < n && v[i] != ',') i++;
    b = i;
    while (a < b && (v[a] == ' ' || v[a] == '\t')) a++;
    while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) b--;
    if (b > a && fn(p, v + a, b - a, ud)) return 1;
    i++;
  }
  return 0;
}

static int connection_token(sfn_httpreq *p, const char *e, size_t n, void *ud) {
  int *flags = ud;
  if (ieq(e, n, "close")) flags[0] = 1;
  else if (ieq(e, n, "keep-alive")) flags[1] = 1;
  (void)p;
  return 0;
}

/* Content-Length elements: all digits, all equal.  ud: {have, value, overflow} */
typedef struct clen {
  int have, bad, overflow;
  uint64_t value;
} clen;

static int length_element(sfn_httpreq *p, const char *e, size_t n, void *ud) {
  clen *c = ud;
  uint64_t v = 0;
  int over = 0;
  size_t i;
  (void)p;
  for (i = 0; i < n; i++) {
    if (e[i] < '0' || e[i] > '9') {
      c->bad = 1;
      return 1;
    }
    if (v > (UINT64_MAX - 9) / 10) over = 1;
    else v = v * 10 + (uint64_t)(e[i] - '0');
  }
  if (c->have && (over != c->overflow || v != c->value)) {
    c->bad = 1;
    return 1;
  }
  c->have = 1;
  c->value = v;
  c->overflow = over;
  return 0;
}

/* Transfer-Encoding codings: ud = {count, chunked_at (1-based last), chunked_count} */
static int coding_element(sfn_httpreq *p, const char *e, size_t n, void *ud) {
  size_t *t = ud, k = 0;
  (void)p;
  while (k < n && e[k] != ';' && e[k] != ' ' && e[k] != '\t') k++;
  t[0]++;
  if (ieq(e, k, "chunked")) {
    t[1] = t[0];
    t[2]++;
  }
  return 0;
}

/* The blank line ended the head: framing and connection semantics. */
static int finish_head(sfn_httpreq *p, sfn_error *err) {
  size_t i, hosts = 0, tes = 0;
  int conn[2] = {0, 0};
  size_t te[3] = {0, 0, 0};
  clen cl = {0, 0, 0, 0};
  const char *h = p->head.data;
  for (i = 0; i < p->nfields; i++) {
    const field_pos *f = &p->fields[i];
    const char *name = h + f->name_off, *v = h + f->value_off;
    size_t nl = f->name_len;
    if (ieq(name, nl, "host")) hosts++;
    else if (ieq(name, nl, "connection")) each_element(p, v, f->value_len, connection_token, conn);
    else if (ieq(name, nl, "content-length")) {
      if (f->value_len == 0 || each_element(p, v, f->value_len, length_element, &cl) || !cl.have)
        return fail(p, 400, "invalid Content-Length", err);
    } else if (ieq(name, nl, "transfer-encoding")) {
      tes++;
      each_element(p, v, f->value_len, coding_element, te);
    } else if (ieq(name, nl, "expect")) {
      if (ieq(v, f->value_len, "100-continue")) p->expect_continue = 1;
    }
  }
  if (p->minor == 1 && hosts != 1) return fail(p, 400, hosts ? "several Host fields" : "no Host field", err);
  if (hosts > 1) return fail(p, 400, "several Host fields", err);
  p->keep_alive = p->minor == 1 ? !conn[0] : (conn[1] && !conn[0]);
  if (tes) {
    if (cl.have) return fail(p, 400, "both Content-Length and Transfer-Encoding", err);
    if (p->minor == 0) return fail(p, 400, "Transfer-Encoding in an HTTP/1.0 request", err);
    if (te[0] == 0 || te[1] != te[0] || te[2] != 1) return fail(p, 400, "chunked is not the final transfer coding", err);
    if (te[0] > 1) return fail(p, 501, "transfer coding not implemented", err);
    p->state = S_CHUNK_SIZE;
  } else if (cl.have) {
    if (cl.overflow || cl.value > p->lim.max_body) return fail(p, 413, "request body too large", err);
    p->remaining = cl.value;
    p->state = cl.value ? S_BODY : S_DONE;
    if (cl.value && sfn_buf_reserve(&p->body, (size_t)cl.value) != SFN_OK)
      return fail(p, 500, "out of memory", err);
  } else {
    p->state = S_DONE;
  }
  if (p->state != S_DONE && p->expect_continue) p->continue_pending = 1;
  return SFN_HTTPREQ_MORE;
}

static int step_head(sfn_httpreq *p, sfn_error *err) {
  size_t n, used;
  while (p->state == S_HEAD) {
    if (!next_line(p, &n, &used)) {
      if (p->head_bytes + (p->in.len - p->off) > p->lim.max_header_bytes)
        return fail(p, 431, "request head too large", err);
      return SFN_HTTPREQ_MORE;
    }
    p->head_bytes += used;
    if (p->head_bytes > p->lim.max_header_bytes) return fail(p, 431, "request head too large", err);
    {
      const char *s = p->in.data + p->off;
      p->off += used;
      if (memchr(s, '\r', n)) return fail(p, 400, "bare CR in request head", err);
      if (!p->have_line) {
        if (n == 0) continue; /* empty lines before a request line are ignored */
        if (parse_request_line(p, s, n, err) == SFN_HTTPREQ_ERROR) return SFN_HTTPREQ_ERROR;
      } else if (n == 0) {
        if (finish_head(p, err) == SFN_HTTPREQ_ERROR) return SFN_HTTPREQ_ERROR;
      } else if (parse_field(p, s, n, 1, err) == SFN_HTTPREQ_ERROR) {
        return SFN_HTTPREQ_ERROR;
      }
    }
  }
  return SFN_HTTPREQ_MORE;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* chunk-size [ chunk-ext ] CRLF */
static int chunk_size_line(sfn_httpreq *p, const char *s, size_t n, sfn_error *err) {
  size_t i = 0;
  uint64_t size = 0;
  int d;
  while (i < n && (d = hexval((unsigned char)s[i])) >= 0) {
    if (size > (UINT64_MAX >> 4)) return fail(p, 413, "request body too large", err);
    size = size * 16 + (uint64_t)d;
    i++;
  }
  if (i == 0) return fail(p, 400, "malformed chunk size", err);
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  if (i < n && s[i] != ';') return fail(p, 400, "malformed chunk size", err);
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(p, 400, "malformed chunk extension", err);
  }
  if (size > p->lim.max_body - p->body.len) return fail(p, 413, "request body too large", err);
  p->remaining = size;
  if (size == 0) {
    p->state = S_TRAILER;
    p->head_bytes = 0;
  } else {
    p->state = S_CHUNK_DATA;
  }
  return SFN_HTTPREQ_MORE;
}

static int step_body(sfn_httpreq *p, sfn_error *err) {
  for (;;) {
    size_t avail = p->in.len - p->off, n, used;
    const char *s = p->in.data + p->off;
    switch (p->state) {
      case S_BODY:
      case S_CHUNK_DATA: {
        size_t k = avail < p->remaining ? avail : (size_t)p->remaining;
        if (k == 0) return SFN_HTTPREQ_MORE;
        sfn_buf_add(&p->body, s, k);
        if (p->body.oom) return fail(p, 500, "out of memory", err);
        p->off += k;
        p->remaining -= k;
        if (p->remaining == 0) p->state = p->state == S_BODY ? S_DONE : S_CHUNK_END;
        break;
      }
      case S_CHUNK_END:
        if (avail == 0) return SFN_HTTPREQ_MORE;
        if (s[0] == '\n') {
          p->off += 1;
        } else if (s[0] == '\r') {
          if (avail < 2) return SFN_HTTPREQ_MORE;
          if (s[1] != '\n') return fail(p, 400, "malformed chunk", err);
          p->off += 2;
        } else {
          return fail(p, 400, "malformed chunk", err);
        }
        p->state = S_CHUNK_SIZE;
        break;
      case S_CHUNK_SIZE:
        if (!next_line(p, &n, &used)) {
          if (avail > MAX_CHUNK_LINE) return fail(p, 400, "chunk size line too long", err);
          return SFN_HTTPREQ_MORE;
        }
        if (used > MAX_CHUNK_LINE) return fail(p, 400, "chunk size line too long", err);
        p->off += used;
        if (chunk_size_line(p, s, n, err) == SFN_HTTPREQ_ERROR) return SFN_HTTPREQ_ERROR;
        break;
      case S_TRAILER:
        if (!next_line(p, &n, &used)) {
          if (p->head_bytes + avail > p->lim.max_header_bytes) return fail(p, 431, "trailer section too large", err);
          return SFN_HTTPREQ_MORE;
        }
        p->head_bytes += used;
        if (p->head_bytes > p->lim.max_header_bytes) return fail(p, 431, "trailer section too large", err);
        p->off += used;
        if (memchr(s, '\r', n)) return fail(p, 400, "bare CR in trailer section", err);
        if (n == 0) p->state = S_DONE;
        else if (parse_field(p, s, n, 0, err) == SFN_HTTPREQ_ERROR) return SFN_HTTPREQ_ERROR;
        break;
      default:
        return SFN_HTTPREQ_MORE;
    }
  }
}

static int parse(sfn_httpreq *p, sfn_error *err) {
  if (p->state == S_ERROR) {
    if (p->status == 500) sfn_error_oom(err);
    else sfn_error_set(err, "HttpRequestError", "%s", p->errmsg);
    return SFN_HTTPREQ_ERROR;
  }
  if (p->state == S_HEAD && step_head(p, err) == SFN_HTTPREQ_ERROR) return SFN_HTTPREQ_ERROR;
  if (p->state != S_HEAD && p->state != S_DONE && step_body(p, err) == SFN_HTTPREQ_ERROR)
    return SFN_HTTPREQ_ERROR;
  if (p->state == S_DONE) {
    p->continue_pending = 0;
    return SFN_HTTPREQ_DONE;
  }
  return SFN_HTTPREQ_MORE;
}

int sfn_httpreq_feed(sfn_httpreq *p, const char *data, size_t len, sfn_error *err) {
  if (p->state == S_ERROR) return parse(p, err);
  if (len) {
    if (p->off > 0 && p->off == p->in.len) {
      p->in.len = p->off = 0;
    } else if (p->off > 0 && p->off >= p->in.cap / 2) {
      memmove(p->in.data, p->in.data + p->off, p->in.len - p->off);
      p->in.len -= p->off;
      p->off = 0;
    }
    sfn_buf_add(&p->in, data, len);
    if (p->in.oom) return fail(p, 500, "out of memory", err);
  }
  if (p->state == S_DONE) return SFN_HTTPREQ_DONE;
  return parse(p, err);
}

int sfn_httpreq_next(sfn_httpreq *p, sfn_error *err) {
  if (p->state == S_ERROR) return parse(p, err);
  p->head.len = 0;
  p->body.len = 0;
  p->nfields = 0;
  p->head_bytes = 0;
  p->have_line = 0;
  p->method_len = p->target_off = p->target_len = 0;
  p->minor = 0;
  p->keep_alive = p->expect_continue = p->continue_pending = 0;
  p->remaining = 0;
  p->state = S_HEAD;
  if (p->off == p->in.len) p->in.len = p->off = 0;
  /* a large body's buffer is not kept for the next request */
  if (p->body.cap > 65536) {
    sfn_buf_free(&p->body);
    sfn_buf_init(&p->body);
  }
  return parse(p, err);
}

int sfn_httpreq_status(const sfn_httpreq *p) { return p->state == S_ERROR ? p->status : 0; }

const char *sfn_httpreq_method(const sfn_httpreq *p, size_t *len) {
  *len = p->have_line ? p->method_len : 0;
  return p->head.data ? p->head.data : "";
}

const char *sfn_httpreq_target(const sfn_httpreq *p, size_t *len) {
  *len = p->have_line ? p->target_len : 0;
  return p->head.data ? p->head.data + p->target_off : "";
}

int sfn_httpreq_version_minor(const sfn_httpreq *p) { return p->minor; }

size_t sfn_httpreq_field_count(const sfn_httpreq *p) { return p->nfields; }

int sfn_httpreq_get_field(const sfn_httpreq *p, size_t i, sfn_httpreq_field *f) {
  const field_pos *x;
  if (i >= p->nfields) return 0;
  x = &p->fields[i];
  f->name = p->head.data + x->name_off;
  f->name_len = x->name_len;
  f->value = p->head.data + x->value_off;
  f->value_len = x->value_len;
  return 1;
}

const char *sfn_httpreq_body(const sfn_httpreq *p, size_t *len) {
  *len = p->body.len;
  return p->body.data ? p->body.data : "";
}

int sfn_httpreq_keep_alive(const sfn_httpreq *p) { return p->keep_alive; }

int sfn_httpreq_take_continue(sfn_httpreq *p) {
  int c = p->continue_pending && p->state != S_DONE && p->state != S_ERROR;
  p->continue_pending = 0;
  return c;
}

size_t sfn_httpreq_pending(const sfn_httpreq *p) {
  size_t n = p->in.len - p->off;
  if (p->state == S_DONE) return n;
  return n + p->head_bytes + p->body.len;
}
