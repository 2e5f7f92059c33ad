/*
 * lsfn.h: shared pieces of the Lua binding (sfn.core): value conversion
 * between Lua and sfn_value, error pushing, and the registration hooks of
 * each binding file.
 *
 * Lua representation of JSON values:
 *   null   -> sfn.null (a NULL lightuserdata, the same value as cjson.null)
 *   int    -> integer (Lua 5.4); number on LuaJIT when |i| <= 2^53, else an
 *             sfn.int64 userdata that converts back exactly
 *   double -> number;  string -> string
 *   array  -> table with metatable sfn.array_mt (so [] stays an array)
 *   object -> plain table
 * From Lua: a table with sfn.array_mt, or a non-empty sequence, is an array;
 * any other table an object (string keys, encoded in sorted key order).
 */
#ifndef LSFN_H
#define LSFN_H

#include "lsfn_compat.h"
#include "sfn_value.h"

#define LSFN_ARRAY_MT "sfn.array_mt"
#define LSFN_INT64_MT "sfn.int64"
#define LSFN_VALUE_MT "sfn.value"

/* Push v as a Lua value (v borrowed). */
void lsfn_push_value(lua_State *L, const sfn_value *v);

/* Convert the Lua value at idx.  NULL with err set (code "InvalidValue")
 * when it cannot be represented (function, cycle/too deep, NaN, mixed table). */
sfn_value *lsfn_to_value(lua_State *L, int idx, sfn_error *err);

/* An sfn_value held by a Lua userdata (`sfn.value`), so it is freed by __gc
 * if a Lua error unwinds.  Push a new holder that takes ownership of v. */
void lsfn_push_holder(lua_State *L, sfn_value *v);
sfn_value *lsfn_check_holder(lua_State *L, int idx); /* borrowed */

/* Push an error table {code=, message=, line=, column=} (for nil, err). */
void lsfn_push_error(lua_State *L, const sfn_error *err);
/* return nil, errtable; clears err. */
int lsfn_fail(lua_State *L, sfn_error *err);

/* Registration hooks: each adds functions to the table on top of the stack. */
void lsfn_open_value(lua_State *L);
void lsfn_open_json(lua_State *L);
void lsfn_open_eval(lua_State *L);
void lsfn_open_intrinsic(lua_State *L);
void lsfn_open_choice(lua_State *L);
void lsfn_open_validate(lua_State *L);
void lsfn_open_machine(lua_State *L);
void lsfn_open_clock(lua_State *L);
void lsfn_open_http(lua_State *L);
void lsfn_open_sigv4(lua_State *L);
void lsfn_open_httpreq(lua_State *L);
void lsfn_open_jsonata(lua_State *L);
void lsfn_open_jsonata_fns(lua_State *L);

#endif
