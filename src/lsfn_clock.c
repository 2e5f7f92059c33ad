/*
 * lsfn_clock.c: the process services the Lua drivers need and the core never
 * touches: the real clock (core.now_ms, core.monotonic_ms, core.sleep_ms)
 * and the environment (core.setenv).
 */
#include "lsfn.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* core.now_ms() -> milliseconds since the epoch (wall clock) */
static int l_now_ms(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec * 1000.0 + (lua_Number)(ts.tv_nsec / 1000000));
  return 1;
}

/* core.monotonic_ms() -> milliseconds from an arbitrary start, never going back */
static int l_monotonic_ms(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec * 1000.0 + (lua_Number)ts.tv_nsec / 1e6);
  return 1;
}

/* core.sleep_ms(ms): blocks the process (plain Lua drivers only). */
static int l_sleep_ms(lua_State *L) {
  lua_Number ms = luaL_checknumber(L, 1);
  struct timespec ts;
  if (ms <= 0) return 0;
  ts.tv_sec = (time_t)(ms / 1000);
  ts.tv_nsec = (long)((ms - (lua_Number)ts.tv_sec * 1000) * 1e6);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  return 0;
}

/* core.setenv(name, value | nil): set or remove an environment variable
 * for this process and the commands it starts. */
static int l_setenv(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  int rc = lua_isnoneornil(L, 2) ? unsetenv(name) : setenv(name, luaL_checkstring(L, 2), 1);
  lua_pushboolean(L, rc == 0);
  return 1;
}

void lsfn_open_clock(lua_State *L) {
  static const luaL_Reg f[] = {{"now_ms", l_now_ms},
                               {"monotonic_ms", l_monotonic_ms},
                               {"sleep_ms", l_sleep_ms},
                               {"setenv", l_setenv},
                               {NULL, NULL}};
  luaL_setfuncs(L, f, 0);
}
