/*
 * sfn_jsonata_fns_format.c: JSONata's number formatting ($formatNumber,
 * $formatBase, $formatInteger, $parseInteger).
 */
#include "sfn_jsonata_fns_int.h"

SFN_JNF(formatNumber) { return sfn_jnf_fail(c, "D3130", "$formatNumber is not implemented yet"); }
SFN_JNF(formatBase) { return sfn_jnf_fail(c, "D3130", "$formatBase is not implemented yet"); }
SFN_JNF(formatInteger) { return sfn_jnf_fail(c, "D3130", "$formatInteger is not implemented yet"); }
SFN_JNF(parseInteger) { return sfn_jnf_fail(c, "D3130", "$parseInteger is not implemented yet"); }
