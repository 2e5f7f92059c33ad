/*
 * lsfn_sigv4.c: the SigV4 binding.  core.sigv4_sign(opts) reads the options
 * table of sfn.sigv4.sign (lua/sfn/sigv4.lua documents it), signs with the
 * C core and returns the result table, or nil, code, message when the
 * request cannot be signed.  Wrong argument types raise.  Also
 * core.sigv4_parse_date(s) and core.sigv4_equal(a, b) for sfn.sigv4.verify.
 *
 * One signing-key cache per Lua state (a userdata upvalue with __gc).
 */
#include "lsfn.h"
#include "sfn_sigv4.h"

#include <string.h>
#include <time.h>

#define CACHE_MT "sfn.sigv4_cache"
#define RESULT_MT "sfn.sigv4_result"
#define DEFAULT_EXPIRES 3600
#define MAX_ONLY 64

typedef struct cache_box {
  sfn_sigv4_cache *c;
} cache_box;

static int cache_gc(lua_State *L) {
  cache_box *b = luaL_checkudata(L, 1, CACHE_MT);
  sfn_sigv4_cache_free(b->c);
  b->c = NULL;
  return 0;
}

static int result_gc(lua_State *L) {
  sfn_sigv4_result *r = luaL_checkudata(L, 1, RESULT_MT);
  sfn_sigv4_result_free(r);
  return 0;
}

/* ASCII case-insensitive equality of s[0..n) with a lowercase literal. */
static int lower_eq(const char *s, size_t n, const char *lit) {
  size_t i;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (lit[i] == '\0' || c != lit[i]) return 0;
  }
  return lit[n] == '\0';
}

static const char *opt_string(lua_State *L, int t, const char *field, size_t *len, int required) {
  const char *s;
  lua_getfield(L, t, field);
  if (lua_isnil(L, -1) && !required) {
    lua_pop(L, 1);
    return NULL;
  }
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "sigv4.sign: %s must be a string", field);
  s = lua_tolstring(L, -1, len);
  lua_pop(L, 1); /* still referenced by the table */
  return s;
}

static int opt_bool(lua_State *L, int t, const char *field, int dflt) {
  int v;
  lua_getfield(L, t, field);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  if (lua_type(L, -1) != LUA_TBOOLEAN) luaL_error(L, "sigv4.sign: %s must be a boolean", field);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* The string at the top of the stack as a header name or value: strings as
 * they are, numbers converted and anchored in the table at `anchor`. */
static const char *header_string(lua_State *L, int anchor, size_t *len, const char *what) {
  int t = lua_type(L, -1);
  const char *s;
  if (t == LUA_TSTRING) return lua_tolstring(L, -1, len);
  if (t != LUA_TNUMBER) luaL_error(L, "sigv4.sign: header %s must be a string", what);
  lua_pushvalue(L, -1);
  s = lua_tolstring(L, -1, len); /* converts the copy, which the anchor keeps */
  lua_rawseti(L, anchor, (int)lsfn_rawlen(L, anchor) + 1);
  return s;
}

/* core.sigv4_sign(opts) -> result | nil, code, message */
static int l_sign(lua_State *L) {
  cache_box *cb = lua_touserdata(L, lua_upvalueindex(1));
  sfn_sigv4_request req;
  sfn_sigv4_params p;
  sfn_sigv4_url u;
  sfn_sigv4_result *res;
  sfn_sigv4_header *hv;
  sfn_error err = {{0}, NULL, 0, 0};
  const char *url, *only[MAX_ONLY];
  size_t url_len, nh = 0, cap, i;
  int opts = 1, hidx, anchor, has_host = 0, presign, token, out, t;
  char host_hdr[] = "Host";

  luaL_checktype(L, 1, LUA_TTABLE);
  memset(&req, 0, sizeof req);
  memset(&p, 0, sizeof p);
  lua_settop(L, 1);
  lua_newtable(L); /* 2: anchor for converted numbers */
  anchor = 2;

  req.method = opt_string(L, opts, "method", &req.method_len, 1);
  url = opt_string(L, opts, "url", &url_len, 1);
  p.region = opt_string(L, opts, "region", NULL, 1);
  p.service = opt_string(L, opts, "service", NULL, 1);
  req.body = opt_string(L, opts, "body", &req.body_len, 0);
  p.payload_hash = opt_string(L, opts, "payload_hash", NULL, 0);

  lua_getfield(L, opts, "credentials"); /* 3 */
  if (!lua_istable(L, 3)) luaL_error(L, "sigv4.sign: credentials must be a table");
  lua_getfield(L, 3, "access_key_id");
  lua_getfield(L, 3, "secret_access_key");
  lua_getfield(L, 3, "session_token");
  if (lua_type(L, -3) != LUA_TSTRING) luaL_error(L, "sigv4.sign: credentials.access_key_id must be a string");
  if (lua_type(L, -2) != LUA_TSTRING)
    luaL_error(L, "sigv4.sign: credentials.secret_access_key must be a string");
  if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "sigv4.sign: credentials.session_token must be a string");
  p.access_key_id = lua_tostring(L, -3);
  p.secret_access_key = lua_tostring(L, -2);
  p.session_token = lua_isnil(L, -1) ? NULL : lua_tostring(L, -1);
  lua_pop(L, 3);
  token = p.session_token && p.session_token[0];

  lua_getfield(L, opts, "time");
  if (lua_isnil(L, -1)) {
    p.time = (int64_t)time(NULL);
  } else if (lua_type(L, -1) == LUA_TNUMBER) {
    lua_Number n = lua_tonumber(L, -1);
    if (!(n >= -1e15 && n <= 1e15)) luaL_error(L, "sigv4.sign: time must be epoch seconds");
    p.time = (int64_t)n;
    if ((lua_Number)p.time > n) p.time--; /* floor */
  } else {
    luaL_error(L, "sigv4.sign: time must be a number");
  }
  lua_pop(L, 1);

  lua_getfield(L, opts, "presign");
  presign = !lua_isnil(L, -1) && !(lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1));
  if (presign) {
    p.flags |= SFN_SIGV4_PRESIGN;
    p.expires = DEFAULT_EXPIRES;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "expires");
      if (lua_type(L, -1) == LUA_TNUMBER)
        p.expires = (int64_t)lua_tonumber(L, -1);
      else if (!lua_isnil(L, -1))
        luaL_error(L, "sigv4.sign: presign.expires must be a number");
      lua_pop(L, 1);
    } else if (lua_type(L, -1) != LUA_TBOOLEAN) {
      luaL_error(L, "sigv4.sign: presign must be a table or a boolean");
    }
  }
  lua_pop(L, 1);
  if (opt_bool(L, opts, "unsigned_payload", 0)) p.flags |= SFN_SIGV4_UNSIGNED_PAYLOAD;
  if (opt_bool(L, opts, "content_sha256", 0)) p.flags |= SFN_SIGV4_CONTENT_SHA256;
  if (!opt_bool(L, opts, "normalize", 1)) p.flags |= SFN_SIGV4_NO_NORMALIZE;
  if (!opt_bool(L, opts, "double_encode", 1)) p.flags |= SFN_SIGV4_SINGLE_ENCODE;
  if (opt_bool(L, opts, "omit_session_token", 0)) p.flags |= SFN_SIGV4_OMIT_TOKEN;

  /* only_headers (sfn.sigv4.verify): sign exactly these, add nothing */
  lua_getfield(L, opts, "only_headers");
  if (!lua_isnil(L, -1)) {
    size_t n;
    if (!lua_istable(L, -1)) luaL_error(L, "sigv4.sign: only_headers must be a list of strings");
    n = lsfn_rawlen(L, -1);
    if (n > MAX_ONLY) luaL_error(L, "sigv4.sign: only_headers has more than %d names", MAX_ONLY);
    for (i = 0; i < n; i++) {
      lua_rawgeti(L, -1, (int)i + 1);
      if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "sigv4.sign: only_headers must be a list of strings");
      only[i] = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    p.only_headers = only;
    p.nonly_headers = n;
    p.flags |= SFN_SIGV4_VERIFY;
  }
  lua_pop(L, 1);

  if (sfn_sigv4_split_url(url, url_len, &u, &err) != SFN_OK) {
    lua_pushnil(L);
    lua_pushstring(L, err.code);
    lua_pushstring(L, err.message ? err.message : err.code);
    sfn_error_clear(&err);
    return 3;
  }
  req.path = u.path;
  req.path_len = u.path_len;
  req.query = u.query;
  req.query_len = u.query_len;

  /* headers: count, then fill an array that lives in a userdata */
  lua_getfield(L, opts, "headers"); /* 3 */
  hidx = lua_gettop(L);
  cap = 1;
  if (!lua_isnil(L, hidx)) {
    if (!lua_istable(L, hidx)) luaL_error(L, "sigv4.sign: headers must be a table");
    lua_pushnil(L);
    while (lua_next(L, hidx)) {
      if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "sigv4.sign: header names must be strings");
      cap += lua_istable(L, -1) ? lsfn_rawlen(L, -1) : 1;
      lua_pop(L, 1);
    }
  }
  hv = lua_newuserdata(L, cap * sizeof *hv); /* freed by the GC */
  if (!lua_isnil(L, hidx)) {
    lua_pushnil(L);
    while (lua_next(L, hidx)) {
      size_t nlen;
      const char *name = lua_tolstring(L, -2, &nlen);
      if (lower_eq(name, nlen, "host")) has_host = 1;
      if (lua_istable(L, -1)) {
        size_t n = lsfn_rawlen(L, -1), k;
        for (k = 1; k <= n && nh < cap; k++) {
          lua_rawgeti(L, -1, (int)k);
          hv[nh].name = name;
          hv[nh].name_len = nlen;
          hv[nh].value = header_string(L, anchor, &hv[nh].value_len, name);
          nh++;
          lua_pop(L, 1);
        }
      } else if (nh < cap) {
        hv[nh].name = name;
        hv[nh].name_len = nlen;
        hv[nh].value = header_string(L, anchor, &hv[nh].value_len, name);
        nh++;
      }
      lua_pop(L, 1);
    }
  }
  if (!has_host && nh < cap && u.host_len) {
    hv[nh].name = host_hdr;
    hv[nh].name_len = 4;
    hv[nh].value = u.host;
    hv[nh].value_len = u.host_len;
    nh++;
  }
  req.headers = hv;
  req.nheaders = nh;

  res = lua_newuserdata(L, sizeof *res);
  memset(res, 0, sizeof *res);
  luaL_setmetatable(L, RESULT_MT);
  if (sfn_sigv4_sign(cb->c, &req, &p, res, &err) != SFN_OK) {
    lua_pushnil(L);
    lua_pushstring(L, err.code);
    lua_pushstring(L, err.message ? err.message : err.code);
    sfn_error_clear(&err);
    return 3;
  }

  lua_createtable(L, 0, 10);
  out = lua_gettop(L);
  lua_pushstring(L, res->canonical_request);
  lua_setfield(L, out, "canonical_request");
  lua_pushstring(L, res->string_to_sign);
  lua_setfield(L, out, "string_to_sign");
  lua_pushstring(L, res->signature);
  lua_setfield(L, out, "signature");
  lua_pushstring(L, res->signed_headers);
  lua_setfield(L, out, "signed_headers");
  lua_pushstring(L, res->credential_scope);
  lua_setfield(L, out, "credential_scope");
  lua_pushstring(L, res->amz_date);
  lua_setfield(L, out, "amz_date");
  lua_pushstring(L, res->payload_hash);
  lua_setfield(L, out, "payload_hash");
  if (res->authorization) {
    lua_pushstring(L, res->authorization);
    lua_setfield(L, out, "authorization");
  }
  /* url */
  if (res->query) {
    const char *q = u.query ? u.query - 1 : u.path + u.path_len; /* where '?' goes */
    lua_pushlstring(L, url, (size_t)(q - url));
    lua_pushliteral(L, "?");
    lua_pushstring(L, res->query);
    lua_concat(L, 3);
  } else {
    lua_pushvalue(L, 1);
    lua_getfield(L, -1, "url");
    lua_remove(L, -2);
  }
  lua_setfield(L, out, "url");

  /* headers: the request's, less the ones replaced, plus the new ones */
  lua_createtable(L, 0, (int)nh + 4);
  t = lua_gettop(L);
  if (!lua_isnil(L, hidx)) {
    lua_pushnil(L);
    while (lua_next(L, hidx)) {
      size_t nlen;
      const char *name = lua_tolstring(L, -2, &nlen);
      int drop = !presign && (lower_eq(name, nlen, "x-amz-date") || lower_eq(name, nlen, "authorization") ||
                              (token && lower_eq(name, nlen, "x-amz-security-token")) ||
                              ((p.flags & SFN_SIGV4_CONTENT_SHA256) &&
                               lower_eq(name, nlen, "x-amz-content-sha256")));
      if (p.flags & SFN_SIGV4_VERIFY) drop = 0;
      if (drop) {
        lua_pop(L, 1);
      } else {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, t);
      }
    }
  }
  if (!has_host && u.host_len) {
    lua_pushlstring(L, u.host, u.host_len);
    lua_setfield(L, t, "Host");
  }
  if (!presign && !(p.flags & SFN_SIGV4_VERIFY)) {
    lua_pushstring(L, res->amz_date);
    lua_setfield(L, t, "X-Amz-Date");
    if (token) {
      lua_pushstring(L, p.session_token);
      lua_setfield(L, t, "X-Amz-Security-Token");
    }
    if (p.flags & SFN_SIGV4_CONTENT_SHA256) {
      lua_pushstring(L, res->payload_hash);
      lua_setfield(L, t, "X-Amz-Content-Sha256");
    }
    lua_pushstring(L, res->authorization);
    lua_setfield(L, t, "Authorization");
  }
  lua_setfield(L, out, "headers");
  sfn_sigv4_result_free(res);
  return 1;
}

/* core.sigv4_parse_date("20150830T123600Z") -> epoch seconds | nil */
static int l_parse_date(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int64_t t;
  if (sfn_sigv4_parse_date(s, n, &t) != SFN_OK) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushnumber(L, (lua_Number)t);
  return 1;
}

/* core.sigv4_format_date(epoch) -> "20150830T123600Z" | nil */
static int l_format_date(lua_State *L) {
  lua_Number n = luaL_checknumber(L, 1);
  char buf[17];
  if (!(n >= 0 && n < 1e13) || sfn_sigv4_format_date((int64_t)n, buf) != SFN_OK) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushstring(L, buf);
  return 1;
}

/* core.sigv4_equal(a, b) -> boolean, comparing in constant time */
static int l_equal(lua_State *L) {
  size_t an, bn;
  const char *a = luaL_checklstring(L, 1, &an), *b = luaL_checklstring(L, 2, &bn);
  lua_pushboolean(L, sfn_sigv4_equal(a, an, b, bn));
  return 1;
}

void lsfn_open_sigv4(lua_State *L) {
  static const luaL_Reg plain[] = {{"sigv4_parse_date", l_parse_date},
                                   {"sigv4_format_date", l_format_date},
                                   {"sigv4_equal", l_equal},
                                   {NULL, NULL}};
  cache_box *cb;
  luaL_newmetatable(L, RESULT_MT);
  lua_pushcfunction(L, result_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, CACHE_MT);
  lua_pushcfunction(L, cache_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  cb = lua_newuserdata(L, sizeof *cb);
  cb->c = NULL;
  luaL_setmetatable(L, CACHE_MT);
  cb->c = sfn_sigv4_cache_new();
  if (!cb->c) luaL_error(L, "sfn.core: out of memory (sigv4 cache)");
  lua_pushcclosure(L, l_sign, 1);
  lua_setfield(L, -2, "sigv4_sign");
  luaL_setfuncs(L, plain, 0);
}
