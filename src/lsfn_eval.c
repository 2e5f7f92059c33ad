/*
 * lsfn_eval.c: Lua binding for the eval part of the core (placeholder until written).
 */
#include "lsfn.h"

void lsfn_open_eval(lua_State *L) { (void)L; }
