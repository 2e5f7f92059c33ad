/*
 * lsfn_machine.c: Lua binding for the machine part of the core (placeholder until written).
 */
#include "lsfn.h"

void lsfn_open_machine(lua_State *L) { (void)L; }
