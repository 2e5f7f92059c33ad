/*
 * lsfn_httpreq.c: the server's pieces of sfn.core: the HTTP request parser
 * (sfn_httpreq) as a userdata, and signals as a readable fd (a self-pipe)
 * so the scheduler can wait on SIGTERM/SIGINT like on a socket.
 *
 *   local p = core.httpreq_new(max_header_bytes, max_headers, max_body)
 *   p:feed(bytes) / p:next() -> "done" | "more" | "error", status, message
 *   p:request() -> { method =, target =, version = "1.1", headers = { lowercased
 *                    name -> value (a list when repeated) }, body =, keep_alive = }
 *   p:take_continue() -> true once when "100 Continue" should be sent
 *   p:pending() -> bytes of an unfinished request
 *
 *   core.signal_fd({"TERM", "INT"}) -> fd (read end of the self-pipe; the
 *                                      handlers are installed)
 *   core.signal_take() -> { "TERM", ... } the signals caught since the last call
 *   core.signal_restore({"TERM", "INT"}) default handlers again
 */
#include "lsfn.h"
#include "sfn_httpreq.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define PARSER_MT "sfn.httpreq"

typedef struct parser_ud {
  sfn_httpreq *p;
} parser_ud;

static sfn_httpreq *check_parser(lua_State *L) {
  parser_ud *u = luaL_checkudata(L, 1, PARSER_MT);
  if (!u->p) luaL_error(L, "sfn.httpreq: parser is closed");
  return u->p;
}

static size_t opt_size(lua_State *L, int idx) {
  lua_Number n = luaL_optnumber(L, idx, 0);
  if (n < 0) n = 0;
  return (size_t)n;
}

/* core.httpreq_new([max_header_bytes, max_headers, max_body]) -> parser */
static int l_new(lua_State *L) {
  sfn_httpreq_limits lim;
  sfn_error err = {{0}, NULL, 0, 0};
  parser_ud *u;
  lim.max_header_bytes = opt_size(L, 1);
  lim.max_headers = opt_size(L, 2);
  lim.max_body = opt_size(L, 3);
  u = lua_newuserdata(L, sizeof *u);
  u->p = NULL;
  luaL_getmetatable(L, PARSER_MT);
  lua_setmetatable(L, -2);
  u->p = sfn_httpreq_new(&lim, &err);
  if (!u->p) return lsfn_fail(L, &err);
  return 1;
}

static int push_state(lua_State *L, sfn_httpreq *p, int st, sfn_error *err) {
  if (st == SFN_HTTPREQ_DONE) {
    lua_pushliteral(L, "done");
    return 1;
  }
  if (st == SFN_HTTPREQ_MORE) {
    lua_pushliteral(L, "more");
    return 1;
  }
  lua_pushliteral(L, "error");
  lua_pushinteger(L, sfn_httpreq_status(p));
  lua_pushstring(L, err->message ? err->message : "bad request");
  sfn_error_clear(err);
  return 3;
}

static int p_feed(lua_State *L) {
  sfn_httpreq *p = check_parser(L);
  size_t len;
  const char *s = luaL_optlstring(L, 2, "", &len);
  sfn_error err = {{0}, NULL, 0, 0};
  int st = sfn_httpreq_feed(p, s, len, &err);
  return push_state(L, p, st, &err);
}

static int p_next(lua_State *L) {
  sfn_httpreq *p = check_parser(L);
  sfn_error err = {{0}, NULL, 0, 0};
  int st = sfn_httpreq_next(p, &err);
  return push_state(L, p, st, &err);
}

static int p_request(lua_State *L) {
  sfn_httpreq *p = check_parser(L);
  size_t len, i, n = sfn_httpreq_field_count(p);
  const char *s;
  char name[256];
  sfn_httpreq_field f;
  lua_createtable(L, 0, 6);
  s = sfn_httpreq_method(p, &len);
  lua_pushlstring(L, s, len);
  lua_setfield(L, -2, "method");
  s = sfn_httpreq_target(p, &len);
  lua_pushlstring(L, s, len);
  lua_setfield(L, -2, "target");
  lua_pushstring(L, sfn_httpreq_version_minor(p) ? "1.1" : "1.0");
  lua_setfield(L, -2, "version");
  lua_pushboolean(L, sfn_httpreq_keep_alive(p));
  lua_setfield(L, -2, "keep_alive");
  s = sfn_httpreq_body(p, &len);
  lua_pushlstring(L, s, len);
  lua_setfield(L, -2, "body");
  lua_createtable(L, 0, (int)n);
  for (i = 0; i < n; i++) {
    size_t k;
    sfn_httpreq_get_field(p, i, &f);
    if (f.name_len >= sizeof name) {
      lua_pushlstring(L, f.name, f.name_len);
      lua_pushlstring(L, f.value, f.value_len);
      lua_settable(L, -3); /* kept as sent: too long to matter */
      continue;
    }
    for (k = 0; k < f.name_len; k++) {
      char c = f.name[k];
      name[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    lua_pushlstring(L, name, f.name_len);
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_pushlstring(L, f.value, f.value_len);
      lua_rawset(L, -3);
    } else if (lua_type(L, -1) == LUA_TTABLE) {
      lua_pushlstring(L, f.value, f.value_len);
      lua_rawseti(L, -2, (int)lsfn_rawlen(L, -2) + 1);
      lua_pop(L, 2);
    } else {
      /* a second field of that name: {first, second} */
      lua_createtable(L, 2, 0);
      lua_insert(L, -2);
      lua_rawseti(L, -2, 1);
      lua_pushlstring(L, f.value, f.value_len);
      lua_rawseti(L, -2, 2);
      lua_rawset(L, -3);
    }
  }
  lua_setfield(L, -2, "headers");
  return 1;
}

static int p_take_continue(lua_State *L) {
  lua_pushboolean(L, sfn_httpreq_take_continue(check_parser(L)));
  return 1;
}

static int p_pending(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)sfn_httpreq_pending(check_parser(L)));
  return 1;
}

static int p_gc(lua_State *L) {
  parser_ud *u = luaL_checkudata(L, 1, PARSER_MT);
  sfn_httpreq_free(u->p);
  u->p = NULL;
  return 0;
}

/* ---- signals through a self-pipe ---- */

static int sig_pipe[2] = {-1, -1};

static const struct {
  const char *name;
  int signo;
} SIGNALS[] = {{"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT},
               {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {NULL, 0}};

static void on_signal(int signo) {
  int saved = errno;
  unsigned char b = (unsigned char)signo;
  if (sig_pipe[1] >= 0) {
    ssize_t w = write(sig_pipe[1], &b, 1);
    (void)w; /* a full pipe already says a signal came */
  }
  errno = saved;
}

static int signo_of(lua_State *L, const char *name) {
  int i;
  for (i = 0; SIGNALS[i].name; i++)
    if (strcmp(SIGNALS[i].name, name) == 0) return SIGNALS[i].signo;
  return luaL_error(L, "sfn.core.signal: unknown signal '%s'", name);
}

static void set_handlers(lua_State *L, int idx, void (*handler)(int)) {
  int i, n;
  luaL_checktype(L, idx, LUA_TTABLE);
  n = (int)lsfn_rawlen(L, idx);
  for (i = 1; i <= n; i++) {
    struct sigaction sa;
    int signo;
    lua_rawgeti(L, idx, i);
    signo = signo_of(L, luaL_checkstring(L, -1));
    lua_pop(L, 1);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(signo, &sa, NULL);
  }
}

static int set_flags(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* core.signal_fd(names) -> fd | nil, err */
static int l_signal_fd(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (sig_pipe[0] < 0) {
    int fds[2];
    if (pipe(fds) != 0 || set_flags(fds[0]) != 0 || set_flags(fds[1]) != 0) {
      lua_pushnil(L);
      lua_pushstring(L, strerror(errno));
      return 2;
    }
    sig_pipe[0] = fds[0];
    sig_pipe[1] = fds[1];
  }
  set_handlers(L, 1, on_signal);
  lua_pushinteger(L, sig_pipe[0]);
  return 1;
}

/* core.signal_take() -> list of the signal names caught (drains the pipe) */
static int l_signal_take(lua_State *L) {
  unsigned char b[64];
  int n = 0, i, j;
  ssize_t r;
  lua_newtable(L);
  if (sig_pipe[0] < 0) return 1;
  while ((r = read(sig_pipe[0], b, sizeof b)) > 0) {
    for (i = 0; i < r; i++) {
      for (j = 0; SIGNALS[j].name; j++) {
        if (SIGNALS[j].signo == b[i]) {
          lua_pushstring(L, SIGNALS[j].name);
          lua_rawseti(L, -2, ++n);
        }
      }
    }
  }
  return 1;
}

/* core.signal_restore(names): the default action again */
static int l_signal_restore(lua_State *L) {
  set_handlers(L, 1, SIG_DFL);
  return 0;
}

void lsfn_open_httpreq(lua_State *L) {
  static const luaL_Reg methods[] = {{"feed", p_feed},       {"next", p_next},
                                     {"request", p_request}, {"take_continue", p_take_continue},
                                     {"pending", p_pending}, {NULL, NULL}};
  static const luaL_Reg f[] = {{"httpreq_new", l_new},
                               {"signal_fd", l_signal_fd},
                               {"signal_take", l_signal_take},
                               {"signal_restore", l_signal_restore},
                               {NULL, NULL}};
  if (luaL_newmetatable(L, PARSER_MT)) {
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, p_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
