/*
 * lsfn_machine.c: Lua binding for compiled machines and executions
 * (sfn.core.machine_compile, exec_new and the exec methods).  The Lua
 * driver (lua/sfn/machine.lua) runs the loop: it advances the execution,
 * runs the tasks it asks for and moves the clock.
 */
#include "lsfn.h"

#include <string.h>

#include "sfn_exec.h"
#include "sfn_json.h"

#define MACHINE_MT "sfn.machine"
#define EXEC_MT "sfn.exec"

typedef struct lmachine {
  sfn_machine *m;
} lmachine;

typedef struct lexec {
  sfn_exec *e;
  int machine_ref; /* keeps the machine alive */
} lexec;

/* Value from a Lua argument: a string is JSON text, anything else a Lua value. */
static sfn_value *arg_value(lua_State *L, int idx, const char *code, sfn_error *err) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    sfn_value *v = sfn_json_decode(s, len, err);
    if (!v && err) {
      char *msg = err->message;
      err->message = NULL;
      sfn_error_set(err, code, "%s", msg ? msg : "invalid JSON");
      sfn_free(msg);
    }
    return v;
  }
  return lsfn_to_value(L, idx, err);
}

static const char *opt_field(lua_State *L, int t, const char *k) {
  const char *s = NULL;
  if (lua_type(L, t) != LUA_TTABLE) return NULL;
  lua_getfield(L, t, k);
  if (lua_type(L, -1) == LUA_TSTRING) s = lua_tostring(L, -1);
  lua_pop(L, 1); /* the string stays referenced by the table */
  return s;
}

/* core.machine_compile(def, {type=}) -> machine | nil, err */
static int l_machine_compile(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_validate_opts opts;
  sfn_value *def;
  lmachine *lm;
  const char *type = opt_field(L, 2, "type");
  memset(&opts, 0, sizeof opts);
  opts.express = type && strcmp(type, "EXPRESS") == 0;
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    def = sfn_json_decode(s, len, &err);
    if (!def) {
      /* AWS's wording for text that is not a JSON object (Jackson's message). */
      sfn_diagnostics d = {NULL, 0, 0};
      sfn_value *ignored = NULL;
      char *msg;
      sfn_error_clear(&err);
      sfn_validate_text(s, len, &opts, &d, &ignored, NULL);
      sfn_decref(ignored);
      msg = sfn_validate_message(&d);
      sfn_diagnostics_free(&d);
      sfn_error_set(&err, "InvalidDefinition", "%s", msg ? msg : "Invalid State Machine Definition");
      sfn_free(msg);
      return lsfn_fail(L, &err);
    }
  } else {
    luaL_checktype(L, 1, LUA_TTABLE);
    def = lsfn_to_value(L, 1, &err);
    if (!def) return lsfn_fail(L, &err);
  }
  lsfn_push_holder(L, def); /* freed by GC if anything below raises */
  lm = lua_newuserdata(L, sizeof *lm);
  lm->m = NULL;
  luaL_setmetatable(L, MACHINE_MT);
  lm->m = sfn_machine_compile(def, &opts, NULL, &err);
  if (!lm->m) return lsfn_fail(L, &err);
  return 1;
}

/* core.machine_variable_references(machine) -> { State = {"a","b"} } */
static int l_machine_variable_references(lua_State *L) {
  lmachine *lm = luaL_checkudata(L, 1, MACHINE_MT);
  sfn_value *v;
  if (!lm->m) return luaL_argerror(L, 1, "machine already freed");
  v = sfn_machine_variable_references(lm->m);
  if (!v) return luaL_error(L, "sfn: out of memory");
  lsfn_push_holder(L, v);
  lsfn_push_value(L, v);
  return 1;
}

/* core.variable_references(definition) -> { State = {"a","b"} }: from the
 * definition alone (JSON text or a Lua table; need not compile). */
static int l_variable_references(lua_State *L) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *def = arg_value(L, 1, "InvalidDefinition", &err), *v;
  if (!def) return lsfn_fail(L, &err);
  lsfn_push_holder(L, def);
  v = sfn_variable_references(def);
  if (!v) return luaL_error(L, "sfn: out of memory");
  lsfn_push_holder(L, v);
  lsfn_push_value(L, v);
  return 1;
}

static int machine_gc(lua_State *L) {
  lmachine *lm = luaL_checkudata(L, 1, MACHINE_MT);
  sfn_machine_free(lm->m);
  lm->m = NULL;
  return 0;
}

static lexec *check_exec(lua_State *L) {
  lexec *le = luaL_checkudata(L, 1, EXEC_MT);
  if (!le->e) luaL_argerror(L, 1, "execution already freed");
  return le;
}

static int64_t check_ms(lua_State *L, int idx) { return (int64_t)luaL_checknumber(L, idx); }

/* core.exec_new(machine, input, cfg) -> exec | nil, err
 * cfg: name, state_machine_name, account, region, role_arn, express, start_ms, history, seed,
 * payload_limit, context (JSON text or a Lua table: the host's context nodes, see sfn_exec_config) */
static int l_exec_new(lua_State *L) {
  lmachine *lm = luaL_checkudata(L, 1, MACHINE_MT);
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_exec_config cfg;
  sfn_value *input;
  lexec *le;
  luaL_checktype(L, 3, LUA_TTABLE);
  memset(&cfg, 0, sizeof cfg);
  cfg.execution_name = opt_field(L, 3, "name");
  cfg.state_machine_name = opt_field(L, 3, "state_machine_name");
  cfg.account = opt_field(L, 3, "account");
  cfg.region = opt_field(L, 3, "region");
  cfg.partition = opt_field(L, 3, "partition");
  cfg.role_arn = opt_field(L, 3, "role_arn");
  if (!cfg.execution_name || !cfg.state_machine_name)
    return luaL_error(L, "exec_new: name and state_machine_name are required");
  lua_getfield(L, 3, "express");
  cfg.express = lua_toboolean(L, -1);
  lua_getfield(L, 3, "history");
  cfg.record_history = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
  lua_getfield(L, 3, "start_ms");
  cfg.start_ms = (int64_t)lua_tonumber(L, -1);
  lua_getfield(L, 3, "seed");
  cfg.seed = (uint64_t)lua_tonumber(L, -1);
  lua_getfield(L, 3, "payload_limit");
  cfg.payload_limit = lua_isboolean(L, -1) && !lua_toboolean(L, -1) ? -1 : (int64_t)lua_tonumber(L, -1);
  lua_pop(L, 5);
  input = arg_value(L, 2, "InvalidExecutionInput", &err);
  if (!input) return lsfn_fail(L, &err);
  if (lua_type(L, 2) == LUA_TSTRING) cfg.input_text = lua_tolstring(L, 2, &cfg.input_len);
  lsfn_push_holder(L, input);
  lua_getfield(L, 3, "context");
  if (!lua_isnil(L, -1)) {
    cfg.context = arg_value(L, lua_gettop(L), "InvalidContext", &err);
    if (!cfg.context) return lsfn_fail(L, &err);
    lsfn_push_holder(L, cfg.context);
  }
  le = lua_newuserdata(L, sizeof *le);
  le->e = NULL;
  le->machine_ref = LUA_NOREF;
  luaL_setmetatable(L, EXEC_MT);
  le->e = sfn_exec_new(lm->m, input, &cfg, &err);
  if (!le->e) return lsfn_fail(L, &err);
  lua_pushvalue(L, 1);
  le->machine_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 1;
}

static int exec_gc(lua_State *L) {
  lexec *le = luaL_checkudata(L, 1, EXEC_MT);
  sfn_exec_free(le->e);
  le->e = NULL;
  if (le->machine_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, le->machine_ref);
  le->machine_ref = LUA_NOREF;
  return 0;
}

static int push_status(lua_State *L, sfn_exec *e) {
  lua_pushstring(L, sfn_exec_status_name(sfn_exec_status_of(e)));
  return 1;
}

/* exec:run(now_ms) -> status */
static int l_exec_run(lua_State *L) {
  lexec *le = check_exec(L);
  if (sfn_exec_run(le->e, check_ms(L, 2)) != SFN_OK) return luaL_error(L, "sfn: out of memory");
  return push_status(L, le->e);
}

static int l_exec_status(lua_State *L) { return push_status(L, check_exec(L)->e); }

static int l_exec_wake_time(lua_State *L) {
  int64_t w = sfn_exec_wake_time(check_exec(L)->e);
  if (w < 0) return 0;
  lua_pushnumber(L, (lua_Number)w);
  return 1;
}

/* exec:take_task() -> {id=, state=, resource=, input=, token=, attempt=, callback=, activity=} | nil */
static int l_exec_take_task(lua_State *L) {
  lexec *le = check_exec(L);
  sfn_task_request t;
  if (sfn_exec_take_task(le->e, &t) != SFN_OK) return 0;
  lua_createtable(L, 0, 6);
  lua_pushnumber(L, (lua_Number)t.id);
  lua_setfield(L, -2, "id");
  lua_pushlstring(L, sfn_str(t.state->name), sfn_strlen(t.state->name));
  lua_setfield(L, -2, "state");
  lua_pushlstring(L, sfn_str(t.state->resource), sfn_strlen(t.state->resource));
  lua_setfield(L, -2, "resource");
  lsfn_push_value(L, t.input);
  lua_setfield(L, -2, "input");
  if (t.token) {
    lua_pushlstring(L, sfn_str(t.token), sfn_strlen(t.token));
    lua_setfield(L, -2, "token");
  }
  lua_pushinteger(L, t.attempt);
  lua_setfield(L, -2, "attempt");
  lua_pushboolean(L, t.state->wait_for_token);
  lua_setfield(L, -2, "callback");
  lua_pushboolean(L, t.state->task_kind == SFN_TASK_ACTIVITY);
  lua_setfield(L, -2, "activity");
  return 1;
}

/* exec:task_started(id, worker_name|nil, now_ms) -> true | false (no such
 * activity task waiting for a worker): the task was handed to a worker. */
static int l_exec_task_started(lua_State *L) {
  lexec *le = check_exec(L);
  int rc = sfn_exec_task_started(le->e, (uint64_t)luaL_checknumber(L, 2), luaL_optstring(L, 3, NULL),
                                 check_ms(L, 4));
  if (rc == SFN_ERR) return luaL_error(L, "sfn: out of memory");
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

/* Value argument: a Lua value, or JSON text when is_json_text is true. */
static sfn_value *payload_arg(lua_State *L, int idx, int json_idx, sfn_error *err) {
  return lua_toboolean(L, json_idx) ? arg_value(L, idx, "InvalidOutput", err) : lsfn_to_value(L, idx, err);
}

/* exec:task_submitted(id, value, now_ms, is_json_text) -> true | false (no such task) */
static int l_exec_task_submitted(lua_State *L) {
  lexec *le = check_exec(L);
  sfn_error err = {{0}, NULL, 0, 0};
  uint64_t id = (uint64_t)luaL_checknumber(L, 2);
  sfn_value *v = payload_arg(L, 3, 5, &err);
  int rc;
  if (!v) return lsfn_fail(L, &err);
  lsfn_push_holder(L, v);
  rc = sfn_exec_task_submitted(le->e, id, v, check_ms(L, 4));
  if (rc == SFN_ERR) return luaL_error(L, "sfn: out of memory");
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

/* exec:send_success(token, value, now_ms, is_json_text) -> true | false (no task waits on it) */
static int l_exec_send_success(lua_State *L) {
  lexec *le = check_exec(L);
  sfn_error err = {{0}, NULL, 0, 0};
  const char *token = luaL_checkstring(L, 2);
  sfn_value *v = payload_arg(L, 3, 5, &err);
  int rc;
  if (!v) return lsfn_fail(L, &err);
  lsfn_push_holder(L, v);
  rc = sfn_exec_send_success(le->e, token, v, check_ms(L, 4));
  if (rc == SFN_ERR) return luaL_error(L, "sfn: out of memory");
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

/* exec:send_failure(token, error, cause, now_ms) -> true | false */
static int l_exec_send_failure(lua_State *L) {
  lexec *le = check_exec(L);
  int rc = sfn_exec_send_failure(le->e, luaL_checkstring(L, 2), luaL_optstring(L, 3, NULL),
                                 luaL_optstring(L, 4, NULL), check_ms(L, 5));
  if (rc == SFN_ERR) return luaL_error(L, "sfn: out of memory");
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

/* exec:task_alive(id) -> boolean */
static int l_exec_task_alive(lua_State *L) {
  lexec *le = check_exec(L);
  lua_pushboolean(L, sfn_exec_task_alive(le->e, (uint64_t)luaL_checknumber(L, 2)));
  return 1;
}

/* exec:send_heartbeat(token, now_ms) -> true | false */
static int l_exec_send_heartbeat(lua_State *L) {
  lexec *le = check_exec(L);
  int rc = sfn_exec_send_heartbeat(le->e, luaL_checkstring(L, 2), check_ms(L, 3));
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

/* exec:task_succeeded(id, value, now_ms, is_json_text) -> true | nil, err
 * value is a Lua value, or JSON text when is_json_text is true. */
static int l_exec_task_succeeded(lua_State *L) {
  lexec *le = check_exec(L);
  sfn_error err = {{0}, NULL, 0, 0};
  uint64_t id = (uint64_t)luaL_checknumber(L, 2);
  sfn_value *v = lua_toboolean(L, 5) ? arg_value(L, 3, "InvalidOutput", &err)
                                     : lsfn_to_value(L, 3, &err);
  int rc;
  if (!v) return lsfn_fail(L, &err);
  lsfn_push_holder(L, v);
  rc = sfn_exec_task_succeeded(le->e, id, v, check_ms(L, 4));
  if (rc == SFN_ERR) return luaL_error(L, "sfn: out of memory");
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

/* exec:task_failed(id, error, cause, now_ms) */
static int l_exec_task_failed(lua_State *L) {
  lexec *le = check_exec(L);
  uint64_t id = (uint64_t)luaL_checknumber(L, 2);
  const char *error = luaL_optstring(L, 3, NULL), *cause = luaL_optstring(L, 4, NULL);
  int rc = sfn_exec_task_failed(le->e, id, error, cause, check_ms(L, 5));
  if (rc == SFN_ERR) return luaL_error(L, "sfn: out of memory");
  if (sfn_exec_run(le->e, check_ms(L, 5)) != SFN_OK) return luaL_error(L, "sfn: out of memory");
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

static int l_exec_stop(lua_State *L) {
  lexec *le = check_exec(L);
  int rc = sfn_exec_stop(le->e, luaL_optstring(L, 2, NULL), luaL_optstring(L, 3, NULL), check_ms(L, 4));
  lua_pushboolean(L, rc == SFN_OK);
  return 1;
}

static int push_new_value(lua_State *L, sfn_value *v) {
  if (!v) return luaL_error(L, "sfn: out of memory");
  lsfn_push_holder(L, v);
  lsfn_push_value(L, v);
  return 1;
}

/* exec:describe() -> DescribeExecution fields */
static int l_exec_describe(lua_State *L) { return push_new_value(L, sfn_exec_describe(check_exec(L)->e)); }

/* exec:output_json() -> output JSON text | nil */
static int l_exec_output_json(lua_State *L) {
  lexec *le = check_exec(L);
  sfn_value *out = sfn_exec_output(le->e);
  size_t len;
  char *txt;
  if (!out) return 0;
  txt = sfn_json_encode(out, &len, NULL);
  if (!txt) return luaL_error(L, "sfn: out of memory");
  lua_pushlstring(L, txt, len);
  sfn_free(txt);
  return 1;
}

/* exec:history([from]) -> array of events (from: first index, 1-based) */
static int l_exec_history(lua_State *L) {
  lexec *le = check_exec(L);
  size_t i, n = sfn_exec_event_count(le->e), from = (size_t)luaL_optinteger(L, 2, 1);
  sfn_value **slot;
  if (from < 1) from = 1;
  lua_createtable(L, n >= from ? (int)(n - from + 1) : 0, 0);
  /* One holder owns the event being converted, so a Lua error frees it. */
  lsfn_push_holder(L, NULL);
  slot = lua_touserdata(L, -1);
  for (i = from - 1; i < n; i++) {
    sfn_decref(*slot);
    *slot = sfn_exec_event(le->e, i);
    if (!*slot) return luaL_error(L, "sfn: out of memory");
    lsfn_push_value(L, *slot);
    lua_rawseti(L, -3, (int)(i - from + 2));
  }
  sfn_decref(*slot);
  *slot = NULL;
  lua_pop(L, 1);
  return 1;
}

void lsfn_open_machine(lua_State *L) {
  static const luaL_Reg exec_m[] = {{"run", l_exec_run},
                                    {"status", l_exec_status},
                                    {"wake_time", l_exec_wake_time},
                                    {"take_task", l_exec_take_task},
                                    {"task_succeeded", l_exec_task_succeeded},
                                    {"task_failed", l_exec_task_failed},
                                    {"task_submitted", l_exec_task_submitted},
                                    {"send_success", l_exec_send_success},
                                    {"send_failure", l_exec_send_failure},
                                    {"send_heartbeat", l_exec_send_heartbeat},
                                    {"task_alive", l_exec_task_alive},
                                    {"task_started", l_exec_task_started},
                                    {"stop", l_exec_stop},
                                    {"describe", l_exec_describe},
                                    {"output_json", l_exec_output_json},
                                    {"history", l_exec_history},
                                    {NULL, NULL}};
  static const luaL_Reg f[] = {{"machine_compile", l_machine_compile},
                               {"machine_variable_references", l_machine_variable_references},
                               {"variable_references", l_variable_references},
                               {"exec_new", l_exec_new},
                               {NULL, NULL}};
  luaL_newmetatable(L, MACHINE_MT);
  lua_pushcfunction(L, machine_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, EXEC_MT);
  lua_pushcfunction(L, exec_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  luaL_setfuncs(L, exec_m, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_setfuncs(L, f, 0);
}
