/*
 * lsfn_intrinsic.c: Lua binding for intrinsic functions (placeholder until written).
 */
#include "lsfn.h"

void lsfn_open_intrinsic(lua_State *L) { (void)L; }
