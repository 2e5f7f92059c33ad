/*
 * lsfn_eval.c: Lua binding of paths and payload templates, JSON text in and
 * JSON text out (for specs and debugging; the engine calls the C API):
 *
 *   core.path_eval(path, input_json [, context_json [, kind]])
 *       -> json | nil (nothing selected) | nil, err
 *   core.path_compile(path [, kind]) -> normalized text | nil, err
 *   core.path_explain(path, input_json) -> Jayway's "No results ..." text
 *   core.path_set(path, doc_json, value_json) -> json | nil, err
 *   core.template_eval(template_json, input_json [, context_json]) -> json | nil, err
 *
 * kind is "path" (default) or "reference".  Compiled paths and templates
 * live in a userdata with __gc while Lua code could raise.
 */
#include "lsfn.h"
#include "sfn_json.h"
#include "sfn_path.h"
#include "sfn_template.h"

#include <string.h>

#define PTR_MT "sfn.eval_ptr"

typedef struct ptr_holder {
  void *p;
  void (*free_fn)(void *);
} ptr_holder;

static int ptr_gc(lua_State *L) {
  ptr_holder *h = (ptr_holder *)luaL_checkudata(L, 1, PTR_MT);
  if (h->p && h->free_fn) h->free_fn(h->p);
  h->p = NULL;
  return 0;
}

static void free_path(void *p) { sfn_path_free((sfn_path *)p); }
static void free_template(void *p) { sfn_template_free((sfn_template *)p); }

/* Push an empty holder; whatever is stored in h->p is freed by __gc.  It is
 * created before the object, so a Lua error can never leak it. */
static ptr_holder *push_ptr(lua_State *L, void (*free_fn)(void *)) {
  ptr_holder *h = (ptr_holder *)lua_newuserdata(L, sizeof(ptr_holder));
  h->p = NULL;
  h->free_fn = free_fn;
  luaL_getmetatable(L, PTR_MT);
  lua_setmetatable(L, -2);
  return h;
}

/* Decode the JSON string argument at idx into a held value; NULL with err. */
static sfn_value *arg_json(lua_State *L, int idx, sfn_error *err) {
  size_t len;
  const char *s = luaL_checklstring(L, idx, &len);
  sfn_value *v = sfn_json_decode(s, len, err);
  if (v) lsfn_push_holder(L, v);
  return v;
}

static int push_json(lua_State *L, sfn_value *v, sfn_error *err) {
  sfn_buf b;
  sfn_buf_init(&b);
  if (sfn_json_encode_buf(v, &b, err) != SFN_OK) {
    sfn_buf_free(&b);
    return lsfn_fail(L, err);
  }
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return 1;
}

static sfn_path_kind arg_kind(lua_State *L, int idx) {
  static const char *const kinds[] = {"path", "reference", NULL};
  return luaL_checkoption(L, idx, "path", kinds) == 1 ? SFN_PATH_REFERENCE : SFN_PATH_ANY;
}

/* Compile the path at idx into a held sfn_path; NULL with err. */
static sfn_path *arg_path(lua_State *L, int idx, sfn_path_kind kind, sfn_error *err) {
  size_t len;
  const char *s = luaL_checklstring(L, idx, &len);
  ptr_holder *h = push_ptr(L, free_path);
  sfn_path *p = sfn_path_compile(s, len, kind, err);
  h->p = p;
  return p;
}

static int l_path_compile(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_path *p;
  lua_settop(L, 2);
  p = arg_path(L, 1, arg_kind(L, 2), &err);
  if (!p) return lsfn_fail(L, &err);
  lua_pushstring(L, sfn_path_normalized(p));
  return 1;
}

static int l_path_eval(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_eval_env env;
  sfn_value *out = NULL;
  sfn_path *p;
  int rc;
  lua_settop(L, 4); /* holders go above the arguments */
  memset(&env, 0, sizeof env);
  if (!(p = arg_path(L, 1, arg_kind(L, 4), &err))) return lsfn_fail(L, &err);
  if (!(env.input = arg_json(L, 2, &err))) return lsfn_fail(L, &err);
  if (!lua_isnoneornil(L, 3) && !(env.context = arg_json(L, 3, &err))) return lsfn_fail(L, &err);
  rc = sfn_path_eval(p, &env, &out, &err);
  if (rc == SFN_NOTFOUND) {
    lua_pushnil(L);
    return 1;
  }
  if (rc != SFN_OK) return lsfn_fail(L, &err);
  lsfn_push_holder(L, out);
  return push_json(L, out, &err);
}

static int l_path_explain(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *doc;
  sfn_path *p;
  sfn_buf b;
  lua_settop(L, 2);
  if (!(p = arg_path(L, 1, SFN_PATH_ANY, &err))) return lsfn_fail(L, &err);
  if (!(doc = arg_json(L, 2, &err))) return lsfn_fail(L, &err);
  sfn_buf_init(&b);
  sfn_path_explain_miss(p, doc, &b);
  if (b.oom) {
    sfn_buf_free(&b);
    sfn_error_oom(&err);
    return lsfn_fail(L, &err);
  }
  lua_pushlstring(L, b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return 1;
}

static int l_path_set(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *doc, *val, *out = NULL;
  sfn_path *p;
  lua_settop(L, 3);
  if (!(p = arg_path(L, 1, SFN_PATH_REFERENCE, &err))) return lsfn_fail(L, &err);
  if (!(doc = arg_json(L, 2, &err))) return lsfn_fail(L, &err);
  if (!(val = arg_json(L, 3, &err))) return lsfn_fail(L, &err);
  if (sfn_path_set(p, doc, val, &out, &err) != SFN_OK) return lsfn_fail(L, &err);
  lsfn_push_holder(L, out);
  return push_json(L, out, &err);
}

static int l_template_eval(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_eval_env env;
  sfn_value *tpl, *out = NULL;
  sfn_template *t;
  ptr_holder *h;
  lua_settop(L, 3); /* holders go above the arguments */
  memset(&env, 0, sizeof env);
  if (!(tpl = arg_json(L, 1, &err))) return lsfn_fail(L, &err);
  if (!(env.input = arg_json(L, 2, &err))) return lsfn_fail(L, &err);
  if (!lua_isnoneornil(L, 3) && !(env.context = arg_json(L, 3, &err))) return lsfn_fail(L, &err);
  h = push_ptr(L, free_template);
  if (!(t = sfn_template_compile(tpl, &err))) return lsfn_fail(L, &err);
  h->p = t;
  if (sfn_template_eval(t, &env, &out, &err) != SFN_OK) return lsfn_fail(L, &err);
  lsfn_push_holder(L, out);
  return push_json(L, out, &err);
}

void lsfn_open_eval(lua_State *L) {
  static const luaL_Reg f[] = {{"path_compile", l_path_compile},
                               {"path_eval", l_path_eval},
                               {"path_explain", l_path_explain},
                               {"path_set", l_path_set},
                               {"template_eval", l_template_eval},
                               {NULL, NULL}};
  if (luaL_newmetatable(L, PTR_MT)) {
    lua_pushcfunction(L, ptr_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
