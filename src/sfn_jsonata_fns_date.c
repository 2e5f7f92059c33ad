/*
 * sfn_jsonata_fns_date.c: JSONata's date/time functions ($now, $millis,
 * $fromMillis, $toMillis).  (first cut: ISO 8601 only)
 */
#include "sfn_jsonata_fns_int.h"

SFN_JNF(now) { return sfn_jnf_fail(c, "D3132", "$now is not implemented yet"); }
SFN_JNF(millis) { return sfn_jnf_ret(c, out, sfn_int(c->env->now_ms)); }
SFN_JNF(fromMillis) { return sfn_jnf_fail(c, "D3132", "$fromMillis is not implemented yet"); }
SFN_JNF(toMillis) { return sfn_jnf_fail(c, "D3132", "$toMillis is not implemented yet"); }
