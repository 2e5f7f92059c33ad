/*
 * lsfn_validate.c: Lua binding for the validate part of the core (placeholder until written).
 */
#include "lsfn.h"

void lsfn_open_validate(lua_State *L) { (void)L; }
