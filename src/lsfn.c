/*
 * lsfn.c: luaopen_sfn_core, the entry point of the C module.  Each binding
 * file registers its functions through an lsfn_open_* hook.
 */
#include "lsfn.h"

#define LSFN_VERSION "0.1.0"

SFN_API int luaopen_sfn_core(lua_State *L);

int luaopen_sfn_core(lua_State *L) {
  lua_newtable(L);
  lua_pushliteral(L, LSFN_VERSION);
  lua_setfield(L, -2, "_VERSION");
  lsfn_open_value(L);
  lsfn_open_json(L);
  lsfn_open_eval(L);
  lsfn_open_intrinsic(L);
  lsfn_open_choice(L);
  lsfn_open_validate(L);
  lsfn_open_machine(L);
  lsfn_open_clock(L);
  lsfn_open_http(L);
  lsfn_open_sigv4(L);
  lsfn_open_httpreq(L);
  lsfn_open_jsonata(L);
  lsfn_open_jsonata_fns(L);
  return 1;
}
