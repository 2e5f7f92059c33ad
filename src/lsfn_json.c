/*
 * lsfn_json.c: Lua binding for the json part of the core (placeholder until written).
 */
#include "lsfn.h"

void lsfn_open_json(lua_State *L) { (void)L; }
