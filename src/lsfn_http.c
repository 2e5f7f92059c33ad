/*
 * lsfn_http.c: HTTP for the Lua side over libcurl (sfn.http and the
 * scheduler's I/O wait).  One curl multi handle ("sfn.http.multi") runs every
 * transfer, blocking or not, so its connection cache keeps connections alive
 * and reuses them across calls; each transfer is a "sfn.http.request"
 * userdata owning its easy handle, header list and response buffers, freed by
 * __gc whatever happens in Lua.
 *
 *   local m = core.http_multi()
 *   local r = m:add{ method =, url =, headers = { "Name: value", ... }, body =,
 *                    connect_timeout =, read_timeout =, timeout = (seconds),
 *                    verify = true, proxy = nil|false|"http://...", ca_file = }
 *   local running, done = m:perform()      -- done: the requests that finished
 *   m:poll(timeout_ms [, fds, events])     -- wait for curl or the extra fds
 *   r:result() -> status, headers, body | nil, code, message, retryable, curl_code
 *   core.poll(fds, events, timeout_ms)     -- poll(2) for the scheduler without curl
 *
 * Timeouts: connect_timeout bounds name resolution, TCP connect and TLS
 * handshake (CURLOPT_CONNECTTIMEOUT_MS); read_timeout is "no byte sent or
 * received for N seconds" once the connection is ready, checked by the
 * progress callback (curl calls it at least once a second while a transfer
 * is stalled; the Lua side polls at least every 250 ms); timeout bounds the
 * whole transfer (CURLOPT_TIMEOUT_MS).
 */
#include "lsfn.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MULTI_MT "sfn.http.multi"
#define REQUEST_MT "sfn.http.request"

typedef struct http_multi http_multi;

typedef struct buf {
  char *data;
  size_t len, cap;
} buf;

typedef enum { REQ_NEW, REQ_RUNNING, REQ_DONE } req_state;

typedef struct http_request {
  CURL *easy;
  struct curl_slist *headers;
  http_multi *multi;              /* while attached (running) */
  struct http_request *prev, *next; /* the multi's running list */
  int ref;                        /* registry ref while running */
  req_state state;
  CURLcode code;                  /* result once done */
  buf head;                       /* header block of the last response */
  buf body;
  double read_timeout;            /* seconds, 0 = none */
  double ready_at;                /* monotonic s when the request could be sent, 0 = not yet */
  double last_activity;           /* monotonic s of the last byte either way */
  curl_off_t last_dl, last_ul;
  int read_timed_out, cancelled, oom;
  char errbuf[CURL_ERROR_SIZE];
} http_request;

struct http_multi {
  CURLM *multi;
  http_request *running;          /* list of attached requests */
  int nrunning;
  int self_ref;                   /* registry ref while nrunning > 0 */
};

static double monotonic_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- buffers ---- */

/* Append n bytes; 0 on success, -1 out of memory. */
static int buf_add(buf *b, const char *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    char *d;
    while (cap < b->len + n + 1) cap *= 2;
    d = sfn_realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

static void buf_free(buf *b) {
  sfn_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- the running list ---- */

static void multi_link(lua_State *L, http_multi *m, http_request *r) {
  r->multi = m;
  r->prev = NULL;
  r->next = m->running;
  if (m->running) m->running->prev = r;
  m->running = r;
  if (m->nrunning++ == 0) {
    lua_pushvalue(L, 1); /* the multi is argument 1 of every method */
    m->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
}

/* Detach r from its multi (removing the easy handle).  Drops the registry
 * refs (r's, and the multi's own when nothing is left running) when L is
 * given; at state close (L == NULL) the registry is going away anyway. */
static void multi_unlink(lua_State *L, http_request *r) {
  http_multi *m = r->multi;
  if (!m) return;
  curl_multi_remove_handle(m->multi, r->easy);
  if (r->prev) r->prev->next = r->next; else m->running = r->next;
  if (r->next) r->next->prev = r->prev;
  r->prev = r->next = NULL;
  r->multi = NULL;
  if (L) {
    luaL_unref(L, LUA_REGISTRYINDEX, r->ref);
    if (--m->nrunning == 0) {
      luaL_unref(L, LUA_REGISTRYINDEX, m->self_ref);
      m->self_ref = LUA_NOREF;
    }
  } else {
    m->nrunning--;
  }
  r->ref = LUA_NOREF;
}

/* ---- curl callbacks ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  http_request *r = ud;
  size_t total = size * n;
  r->last_activity = monotonic_s();
  if (buf_add(&r->body, p, total) != 0) {
    r->oom = 1;
    return 0;
  }
  return total;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  http_request *r = ud;
  size_t total = size * n;
  r->last_activity = monotonic_s();
  /* a new status line (100 Continue, a redirect not followed) starts over */
  if (total >= 5 && memcmp(p, "HTTP/", 5) == 0) r->head.len = 0;
  if (buf_add(&r->head, p, total) != 0) {
    r->oom = 1;
    return 0;
  }
  return total;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* Called when the connection is ready (new or reused), before sending. */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port) {
  http_request *r = ud;
  r->ready_at = r->last_activity = monotonic_s();
  return CURL_PREREQFUNC_OK;
}
#endif

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
  http_request *r = ud;
  double now;
  if (r->cancelled) return 1;
  if (r->read_timeout <= 0) return 0;
  now = monotonic_s();
  if (dlnow != r->last_dl || ulnow != r->last_ul) {
    r->last_dl = dlnow;
    r->last_ul = ulnow;
    r->last_activity = now;
  }
#if LIBCURL_VERSION_NUM < 0x075000
  if (r->ready_at == 0) {
    curl_off_t pre = 0;
    curl_easy_getinfo(r->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    if (pre > 0) r->ready_at = r->last_activity = now;
  }
#endif
  if (r->ready_at > 0 && now - r->last_activity >= r->read_timeout) {
    r->read_timed_out = 1;
    return 1;
  }
  return 0;
}

/* ---- request userdata ---- */

static http_request *check_request(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, REQUEST_MT);
}

static int request_gc(lua_State *L) {
  http_request *r = check_request(L, 1);
  multi_unlink(NULL, r); /* a running request is referenced: only at state close */
  if (r->easy) curl_easy_cleanup(r->easy);
  r->easy = NULL;
  if (r->headers) curl_slist_free_all(r->headers);
  r->headers = NULL;
  buf_free(&r->head);
  buf_free(&r->body);
  return 0;
}

/* The error code and retryable flag for a finished transfer. */
static const char *error_code(const http_request *r, int *retryable) {
  *retryable = 1;
  if (r->oom) {
    *retryable = 0;
    return "OutOfMemory";
  }
  switch (r->code) {
  case CURLE_ABORTED_BY_CALLBACK:
    if (r->read_timed_out) return "ReadTimeout";
    *retryable = 0;
    return r->cancelled ? "Cancelled" : "Aborted";
  case CURLE_OPERATION_TIMEDOUT:
    return r->ready_at > 0 ? "Timeout" : "ConnectTimeout";
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
#if LIBCURL_VERSION_NUM >= 0x074900
  case CURLE_PROXY:
#endif
    return "ConnectionError";
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_BAD_CONTENT_ENCODING:
    return "ProtocolError";
  case CURLE_SSL_CONNECT_ERROR:
    return "TLSError";
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    *retryable = 0;
    return "TLSError";
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
    *retryable = 0;
    return "InvalidURL";
  case CURLE_OUT_OF_MEMORY:
    *retryable = 0;
    return "OutOfMemory";
  default:
    *retryable = 0;
    return "HTTPError";
  }
}

/* Push the header block as { lowercased name = value } (repeats joined
 * with ", "). */
static void push_headers(lua_State *L, const buf *head) {
  const char *p = head->data, *end = head->data + head->len;
  lua_newtable(L);
  if (!p) return;
  /* skip the status line */
  while (p < end && *p != '\n') p++;
  while (p < end) {
    const char *line = ++p, *eol, *colon, *v, *ve;
    while (p < end && *p != '\n') p++;
    eol = p;
    if (eol > line && eol[-1] == '\r') eol--;
    if (eol == line) continue;
    colon = memchr(line, ':', (size_t)(eol - line));
    if (!colon || colon == line) continue;
    v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    ve = eol;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    {
      luaL_Buffer b;
      const char *c;
      luaL_buffinit(L, &b);
      for (c = line; c < colon; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        luaL_addchar(&b, ch);
      }
      luaL_pushresult(&b);
    }
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    if (lua_isstring(L, -1)) {
      lua_pushliteral(L, ", ");
      lua_pushlstring(L, v, (size_t)(ve - v));
      lua_concat(L, 3);
    } else {
      lua_pop(L, 1);
      lua_pushlstring(L, v, (size_t)(ve - v));
    }
    lua_rawset(L, -3);
  }
}

/* r:result() -> status, headers, body
 *            | nil, code, message, retryable, curl_code
 * Before the request is done: nil, "Pending". */
static int request_result(lua_State *L) {
  http_request *r = check_request(L, 1);
  if (r->state != REQ_DONE) {
    lua_pushnil(L);
    lua_pushliteral(L, "Pending");
    lua_pushliteral(L, "the request has not finished");
    return 3;
  }
  if (r->code == CURLE_OK && !r->oom) {
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    lua_pushinteger(L, (lua_Integer)status);
    push_headers(L, &r->head);
    lua_pushlstring(L, r->body.data ? r->body.data : "", r->body.len);
    return 3;
  } else {
    int retryable;
    const char *code = error_code(r, &retryable);
    lua_pushnil(L);
    lua_pushstring(L, code);
    if (r->read_timed_out) {
      char msg[96];
      snprintf(msg, sizeof msg, "no data received or sent for %g seconds", r->read_timeout);
      lua_pushstring(L, msg);
    }
    else if (r->oom)
      lua_pushliteral(L, "out of memory reading the response");
    else if (r->errbuf[0])
      lua_pushstring(L, r->errbuf);
    else
      lua_pushstring(L, curl_easy_strerror(r->code));
    lua_pushboolean(L, retryable);
    lua_pushinteger(L, (lua_Integer)r->code);
    return 5;
  }
}

/* r:info() -> { total_time, connect_time, local_port, num_connects, ... } */
static int request_info(lua_State *L) {
  http_request *r = check_request(L, 1);
  curl_off_t t;
  long l;
  lua_newtable(L);
  if (!r->easy) return 1;
#define TIME_FIELD(info, name)                                             \
  if (curl_easy_getinfo(r->easy, info, &t) == CURLE_OK) {                  \
    lua_pushnumber(L, (lua_Number)t / 1e6);                                \
    lua_setfield(L, -2, name);                                             \
  }
  TIME_FIELD(CURLINFO_TOTAL_TIME_T, "total_time")
  TIME_FIELD(CURLINFO_CONNECT_TIME_T, "connect_time")
  TIME_FIELD(CURLINFO_PRETRANSFER_TIME_T, "pretransfer_time")
  TIME_FIELD(CURLINFO_STARTTRANSFER_TIME_T, "starttransfer_time")
#undef TIME_FIELD
#define LONG_FIELD(info, name)                                             \
  if (curl_easy_getinfo(r->easy, info, &l) == CURLE_OK) {                  \
    lua_pushinteger(L, (lua_Integer)l);                                    \
    lua_setfield(L, -2, name);                                             \
  }
  LONG_FIELD(CURLINFO_LOCAL_PORT, "local_port")
  LONG_FIELD(CURLINFO_PRIMARY_PORT, "primary_port")
  LONG_FIELD(CURLINFO_NUM_CONNECTS, "num_connects")
#undef LONG_FIELD
  return 1;
}

/* r:cancel(): stop a running request; its result becomes "Cancelled". */
static int request_cancel(lua_State *L) {
  http_request *r = check_request(L, 1);
  if (r->state == REQ_RUNNING) {
    multi_unlink(L, r);
    r->cancelled = 1;
    r->code = CURLE_ABORTED_BY_CALLBACK;
    r->state = REQ_DONE;
  }
  return 0;
}

/* r:done() -> boolean */
static int request_done(lua_State *L) {
  lua_pushboolean(L, check_request(L, 1)->state == REQ_DONE);
  return 1;
}

/* ---- multi userdata ---- */

static http_multi *check_multi(lua_State *L, int idx) {
  http_multi *m = luaL_checkudata(L, idx, MULTI_MT);
  if (!m->multi) luaL_error(L, "sfn.http: the multi handle is closed");
  return m;
}

static int multi_gc(lua_State *L) {
  http_multi *m = luaL_checkudata(L, 1, MULTI_MT);
  while (m->running) {
    http_request *r = m->running;
    multi_unlink(NULL, r);
    r->state = REQ_DONE;
    r->cancelled = 1;
    r->code = CURLE_ABORTED_BY_CALLBACK;
  }
  if (m->multi) curl_multi_cleanup(m->multi);
  m->multi = NULL;
  return 0;
}

/* core.http_multi() -> a new multi handle (its own connection cache) */
static int l_http_multi(lua_State *L) {
  http_multi *m = lua_newuserdata(L, sizeof *m);
  memset(m, 0, sizeof *m);
  m->self_ref = LUA_NOREF;
  luaL_setmetatable(L, MULTI_MT);
  m->multi = curl_multi_init();
  if (!m->multi) return luaL_error(L, "sfn.http: curl_multi_init failed");
  curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, 64L);
  return 1;
}

static double opt_number(lua_State *L, int t, const char *name, double dflt) {
  double v = dflt;
  lua_getfield(L, t, name);
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "sfn.http: %s must be a number", name);
    v = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

/* A string option or NULL when absent (the string stays on the stack
 * until the caller pops it: curl copies strings at setopt). */
static const char *opt_string(lua_State *L, int t, const char *name, size_t *len) {
  lua_getfield(L, t, name);
  if (lua_isnil(L, -1)) return NULL;
  if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "sfn.http: %s must be a string", name);
  return lua_tolstring(L, -1, len);
}

static int header_named(const char *line, const char *name) {
  size_t n = strlen(name);
  return strncasecmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

#define SETOPT(opt, val)                                                               \
  do {                                                                                 \
    CURLcode c_ = curl_easy_setopt(r->easy, opt, val);                                 \
    if (c_ != CURLE_OK) return luaL_error(L, "sfn.http: %s: %s", #opt, curl_easy_strerror(c_)); \
  } while (0)

/* m:add(opts) -> request (running).  Raises on misuse (types). */
static int multi_add(lua_State *L) {
  http_multi *m = check_multi(L, 1);
  http_request *r;
  const char *method = "GET", *s;
  size_t len;
  int has_expect = 0, has_accept = 0, has_ctype = 0, verify = 1;
  double t;
  CURLMcode mc;
  luaL_checktype(L, 2, LUA_TTABLE);

  r = lua_newuserdata(L, sizeof *r); /* index 3 */
  memset(r, 0, sizeof *r);
  r->ref = LUA_NOREF;
  luaL_setmetatable(L, REQUEST_MT);
  r->easy = curl_easy_init();
  if (!r->easy) return luaL_error(L, "sfn.http: curl_easy_init failed");

  SETOPT(CURLOPT_PRIVATE, (void *)r);
  SETOPT(CURLOPT_ERRORBUFFER, r->errbuf);
  SETOPT(CURLOPT_NOSIGNAL, 1L);
  SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
  SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  SETOPT(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
#endif
  SETOPT(CURLOPT_WRITEFUNCTION, on_body);
  SETOPT(CURLOPT_WRITEDATA, (void *)r);
  SETOPT(CURLOPT_HEADERFUNCTION, on_header);
  SETOPT(CURLOPT_HEADERDATA, (void *)r);
  SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
  SETOPT(CURLOPT_XFERINFODATA, (void *)r);
  SETOPT(CURLOPT_NOPROGRESS, 0L);
#if LIBCURL_VERSION_NUM >= 0x075000
  SETOPT(CURLOPT_PREREQFUNCTION, on_prereq);
  SETOPT(CURLOPT_PREREQDATA, (void *)r);
#endif

  s = opt_string(L, 2, "url", NULL);
  if (!s) return luaL_error(L, "sfn.http: url is required");
  SETOPT(CURLOPT_URL, s);
  lua_pop(L, 1);

  s = opt_string(L, 2, "method", NULL);
  if (s) method = s;
  /* keep the method string on the stack until the body is set */

  lua_getfield(L, 2, "headers");
  if (!lua_isnil(L, -1)) {
    int i, n;
    luaL_checktype(L, -1, LUA_TTABLE);
    n = (int)lsfn_rawlen(L, -1);
    for (i = 1; i <= n; i++) {
      struct curl_slist *nl;
      const char *line;
      lua_rawgeti(L, -1, i);
      if (lua_type(L, -1) != LUA_TSTRING) return luaL_error(L, "sfn.http: header lines must be strings");
      line = lua_tostring(L, -1);
      if (header_named(line, "expect")) has_expect = 1;
      if (header_named(line, "accept")) has_accept = 1;
      if (header_named(line, "content-type")) has_ctype = 1;
      nl = curl_slist_append(r->headers, line);
      if (!nl) return luaL_error(L, "sfn.http: out of memory");
      r->headers = nl;
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  /* curl's own defaults we do not want: the caller's headers go out as given */
  {
    const char *off[3];
    int k, noff = 0;
    if (!has_expect) off[noff++] = "Expect:";
    if (!has_accept) off[noff++] = "Accept:";
    if (!has_ctype) off[noff++] = "Content-Type:";
    for (k = 0; k < noff; k++) {
      struct curl_slist *nl = curl_slist_append(r->headers, off[k]);
      if (!nl) return luaL_error(L, "sfn.http: out of memory");
      r->headers = nl;
    }
  }
  SETOPT(CURLOPT_HTTPHEADER, r->headers);

  s = opt_string(L, 2, "body", &len);
  if (strcmp(method, "GET") == 0 && !s) {
    SETOPT(CURLOPT_HTTPGET, 1L);
  } else if (strcmp(method, "HEAD") == 0) {
    SETOPT(CURLOPT_NOBODY, 1L);
  } else {
    if (strcmp(method, "POST") != 0) SETOPT(CURLOPT_CUSTOMREQUEST, method);
    if (s || strcmp(method, "POST") == 0) {
      SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(s ? len : 0));
      SETOPT(CURLOPT_COPYPOSTFIELDS, s ? s : "");
    }
  }
  lua_pop(L, 2); /* body, method */

  t = opt_number(L, 2, "connect_timeout", 0);
  if (t > 0) SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)(t * 1000 + 0.5));
  t = opt_number(L, 2, "timeout", 0);
  if (t > 0) SETOPT(CURLOPT_TIMEOUT_MS, (long)(t * 1000 + 0.5));
  r->read_timeout = opt_number(L, 2, "read_timeout", 0);

  lua_getfield(L, 2, "verify");
  if (!lua_isnil(L, -1)) verify = lua_toboolean(L, -1);
  lua_pop(L, 1);
  SETOPT(CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  SETOPT(CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);

  s = opt_string(L, 2, "ca_file", NULL);
  if (s) SETOPT(CURLOPT_CAINFO, s);
  lua_pop(L, 1);

  lua_getfield(L, 2, "proxy");
  if (lua_type(L, -1) == LUA_TSTRING) {
    SETOPT(CURLOPT_PROXY, lua_tostring(L, -1));
  } else if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
    SETOPT(CURLOPT_PROXY, ""); /* no proxy, whatever the environment says */
  } else if (!lua_isnil(L, -1)) {
    return luaL_error(L, "sfn.http: proxy must be a string or false");
  }
  lua_pop(L, 1);

  s = opt_string(L, 2, "no_proxy", NULL);
  if (s) SETOPT(CURLOPT_NOPROXY, s);
  lua_pop(L, 1);

  r->last_activity = monotonic_s();
  /* references first (they may raise), then hand the easy handle to curl */
  lua_pushvalue(L, 3);
  r->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  r->state = REQ_RUNNING;
  multi_link(L, m, r);
  mc = curl_multi_add_handle(m->multi, r->easy);
  if (mc != CURLM_OK) {
    multi_unlink(L, r);
    r->state = REQ_DONE;
    r->code = CURLE_FAILED_INIT;
    return luaL_error(L, "sfn.http: curl_multi_add_handle: %s", curl_multi_strerror(mc));
  }
  lua_settop(L, 3);
  return 1;
}

/* m:perform() -> running, { finished requests } */
static int multi_perform(lua_State *L) {
  http_multi *m = check_multi(L, 1);
  int running = 0, left = 0, n = 0;
  CURLMsg *msg;
  CURLMcode mc = curl_multi_perform(m->multi, &running);
  if (mc != CURLM_OK) return luaL_error(L, "sfn.http: curl_multi_perform: %s", curl_multi_strerror(mc));
  lua_newtable(L);
  while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
    http_request *r = NULL;
    if (msg->msg != CURLMSG_DONE) continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    if (!r || r->state != REQ_RUNNING) continue;
    r->code = msg->data.result;
    r->state = REQ_DONE;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->ref); /* keep it on the stack ... */
    multi_unlink(L, r);                        /* ... before dropping the ref */
    lua_rawseti(L, -2, ++n);
  }
  lua_pushinteger(L, running);
  lua_insert(L, -2);
  return 2;
}

/* Read the optional fds/events arrays at fi, ei into a scratch userdata of
 * struct curl_waitfd (left on the stack).  Events: 1 read, 2 write, 3 both. */
static struct curl_waitfd *read_fds(lua_State *L, int fi, int ei, int *count) {
  struct curl_waitfd *w;
  int i, n;
  *count = 0;
  if (lua_isnoneornil(L, fi)) return NULL;
  luaL_checktype(L, fi, LUA_TTABLE);
  luaL_checktype(L, ei, LUA_TTABLE);
  n = (int)lsfn_rawlen(L, fi);
  w = lua_newuserdata(L, sizeof *w * (size_t)(n > 0 ? n : 1));
  for (i = 0; i < n; i++) {
    int ev;
    lua_rawgeti(L, fi, i + 1);
    lua_rawgeti(L, ei, i + 1);
    w[i].fd = (curl_socket_t)luaL_checkinteger(L, -2);
    ev = (int)luaL_optinteger(L, -1, 1);
    w[i].events = (short)(((ev & 1) ? CURL_WAIT_POLLIN : 0) | ((ev & 2) ? CURL_WAIT_POLLOUT : 0));
    w[i].revents = 0;
    lua_pop(L, 2);
  }
  *count = n;
  return w;
}

static void push_revents(lua_State *L, const struct curl_waitfd *w, int n) {
  int i;
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    int ev = 0;
    if (w[i].revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)) ev |= 1;
    if (w[i].revents & CURL_WAIT_POLLOUT) ev |= 2;
    if (w[i].revents & ~(CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI | CURL_WAIT_POLLOUT)) ev |= 4; /* error/hangup */
    lua_pushinteger(L, ev);
    lua_rawseti(L, -2, i + 1);
  }
}

/* m:poll(timeout_ms [, fds, events]) -> revents (an array, one per fd:
 * bit 1 readable, 2 writable, 4 error/hangup) or an empty table.  Returns
 * early when curl has work, an fd is ready, or m:wakeup() is called. */
static int multi_poll(lua_State *L) {
  http_multi *m = check_multi(L, 1);
  int timeout = (int)luaL_checknumber(L, 2), n, numfds = 0;
  struct curl_waitfd *w = read_fds(L, 3, 4, &n);
  CURLMcode mc;
  if (timeout < 0) timeout = 0;
  mc = curl_multi_poll(m->multi, w, (unsigned)n, timeout, &numfds);
  if (mc != CURLM_OK) return luaL_error(L, "sfn.http: curl_multi_poll: %s", curl_multi_strerror(mc));
  push_revents(L, w, n);
  return 1;
}

/* m:wakeup(): make a poll in progress return (from a signal handler or another thread) */
static int multi_wakeup(lua_State *L) {
  curl_multi_wakeup(check_multi(L, 1)->multi);
  return 0;
}

/* m:timeout() -> milliseconds until curl wants perform() called, -1 for none */
static int multi_timeout(lua_State *L) {
  long ms = -1;
  curl_multi_timeout(check_multi(L, 1)->multi, &ms);
  lua_pushinteger(L, (lua_Integer)ms);
  return 1;
}

/* m:running() -> the number of requests attached */
static int multi_running(lua_State *L) {
  lua_pushinteger(L, check_multi(L, 1)->nrunning);
  return 1;
}

/* core.poll(fds, events, timeout_ms) -> revents: poll(2) on plain fds, for
 * the scheduler when no HTTP transfer is running. */
static int l_poll(lua_State *L) {
  int n, i, rc;
  struct curl_waitfd *w;
  struct pollfd *p;
  int timeout = (int)luaL_checknumber(L, 3);
  w = read_fds(L, 1, 2, &n);
  if (!w) return luaL_error(L, "sfn.http: poll needs fds");
  p = lua_newuserdata(L, sizeof *p * (size_t)(n > 0 ? n : 1));
  for (i = 0; i < n; i++) {
    p[i].fd = (int)w[i].fd;
    p[i].events = (short)(((w[i].events & CURL_WAIT_POLLIN) ? POLLIN : 0) |
                          ((w[i].events & CURL_WAIT_POLLOUT) ? POLLOUT : 0));
    p[i].revents = 0;
  }
  if (timeout < 0) timeout = 0;
  do {
    rc = poll(p, (nfds_t)n, timeout);
  } while (rc < 0 && errno == EINTR);
  for (i = 0; i < n; i++) {
    short rv = 0;
    if (p[i].revents & POLLIN) rv |= CURL_WAIT_POLLIN;
    if (p[i].revents & POLLOUT) rv |= CURL_WAIT_POLLOUT;
    if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL)) rv |= 0x100;
    w[i].revents = rv;
  }
  push_revents(L, w, n);
  return 1;
}

/* core.curl_version() -> libcurl's version string */
static int l_curl_version(lua_State *L) {
  lua_pushstring(L, curl_version());
  return 1;
}

void lsfn_open_http(lua_State *L) {
  static const luaL_Reg multi_methods[] = {
      {"add", multi_add},         {"perform", multi_perform}, {"poll", multi_poll},
      {"wakeup", multi_wakeup},   {"timeout", multi_timeout}, {"running", multi_running},
      {NULL, NULL}};
  static const luaL_Reg request_methods[] = {
      {"result", request_result}, {"info", request_info}, {"cancel", request_cancel},
      {"done", request_done},     {NULL, NULL}};
  static const luaL_Reg f[] = {
      {"http_multi", l_http_multi}, {"poll", l_poll}, {"curl_version", l_curl_version}, {NULL, NULL}};

  curl_global_init(CURL_GLOBAL_DEFAULT);

  luaL_newmetatable(L, MULTI_MT);
  lua_pushcfunction(L, multi_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  luaL_setfuncs(L, multi_methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  luaL_newmetatable(L, REQUEST_MT);
  lua_pushcfunction(L, request_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  luaL_setfuncs(L, request_methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  luaL_setfuncs(L, f, 0);
}
