/*
 * sfn_json.h: strict RFC 8259 JSON text <-> sfn_value.
 *
 * Decoding rejects anything RFC 8259 rejects (trailing commas, leading
 * zeros, NaN, comments, control characters in strings, invalid UTF-8, lone
 * surrogates, trailing garbage).  Errors have code "JSONError", a short
 * reason as message, and line/column (1-based) of the offending byte.
 * Integers that fit int64 decode as SFN_INT, everything else as SFN_DOUBLE.
 * Duplicate keys: the last one wins, at the first one's position.
 *
 * Encoding is compact (no spaces), as AWS prints payloads: keys in
 * insertion order, "/" not escaped, non-ASCII kept as UTF-8, doubles in the
 * shortest form that round-trips.
 */
#ifndef SFN_JSON_H
#define SFN_JSON_H

#include "sfn_value.h"

#define SFN_JSON_MAX_DEPTH 512

/* Decode text[0..len).  Returns a new reference or NULL with err set. */
sfn_value *sfn_json_decode(const char *text, size_t len, sfn_error *err);

/* Append v's JSON text to b.  Returns SFN_OK or SFN_ERR (OOM, non-finite double). */
int sfn_json_encode_buf(const sfn_value *v, sfn_buf *b, sfn_error *err);

/* Encode to a new NUL-terminated string (free with sfn_free).  NULL on error. */
char *sfn_json_encode(const sfn_value *v, size_t *len, sfn_error *err);

/* Append the JSON encoding of a string (with quotes) to b. */
void sfn_json_encode_string(sfn_buf *b, const char *s, size_t len);

/* Append a double as JSON text (shortest round-trip form). */
void sfn_json_encode_double(sfn_buf *b, double d);

#endif
