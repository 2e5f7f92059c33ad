/*
 * lsfn_choice.c: Lua binding for the choice part of the core (placeholder until written).
 */
#include "lsfn.h"

void lsfn_open_choice(lua_State *L) { (void)L; }
