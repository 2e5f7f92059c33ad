/*
 * sfn_json.h: strict RFC 8259 JSON text <-> sfn_value.
 *
 * Decoding rejects anything RFC 8259 rejects (trailing commas, leading
 * zeros, NaN/Infinity, comments, single quotes, control characters in
 * strings, invalid UTF-8 - overlong forms, UTF-8-encoded surrogates, code
 * points above U+10FFFF, truncated sequences - lone or mismatched \u
 * surrogates, trailing garbage, empty input) and nesting deeper than
 * SFN_JSON_MAX_DEPTH arrays/objects.  Errors have code "JSONError", a short
 * reason as message ("unexpected character 'x'", "unexpected end of input",
 * "unterminated string", "invalid UTF-8", "lone surrogate \ud800",
 * "invalid escape '\x'", "invalid \u escape", "control character U+0001
 * in string", "leading zero in number", "number out of range", "nesting
 * deeper than 512", "trailing characters after JSON value", "empty input")
 * and the line and column (1-based) of the offending character; lines end
 * at "\n" and columns count characters (UTF-8 sequences), not bytes.
 * Numbers: integers (no fraction, no exponent) that fit int64, including
 * -9223372036854775808, decode as SFN_INT; everything else as SFN_DOUBLE,
 * correctly rounded and independent of the C locale; a magnitude beyond
 * the double range is "number out of range" (underflow gives 0.0).  "-0"
 * is the integer 0, "-0.0" the double -0.0.  Duplicate keys: the last
 * value wins, at the first one's position.
 *
 * Encoding is compact (no spaces), as AWS prints payloads: keys in
 * insertion order; '"', '\\' and control characters escaped (\b \f \n \r
 * \t, others as \u00XX); "/" and non-ASCII UTF-8 kept as they are.  A
 * string that is not valid UTF-8 is an error ("invalid UTF-8 in string");
 * NaN and infinities are errors ("cannot encode NaN"/"Infinity").
 *
 * Doubles follow Java's Double.toString, since AWS Step Functions (Java)
 * prints doubles that way; the recorded AWS data show "0.0", "0.1", "1.5",
 * "3.3" (a double always has a fraction or an exponent, so 1.0 stays
 * "1.0"), and the magnitude rule is Java's: the shortest digits that read
 * back as the same double (closest to it when several qualify, at least
 * two for subnormals, as Java prints 4.9E-324), written plainly when
 * 10^-3 <= |d| < 10^7 ("0.001", "1234567.5") and otherwise as D.DDDE[-]N
 * ("1.0E7", "1.5E-4", "1.7976931348623157E308").  -0.0 is "-0.0".
 */
#ifndef SFN_JSON_H
#define SFN_JSON_H

#include "sfn_value.h"

#define SFN_JSON_MAX_DEPTH 512

/* Decode text[0..len).  Returns a new reference or NULL with err set. */
sfn_value *sfn_json_decode(const char *text, size_t len, sfn_error *err);

/* Append v's JSON text to b.  Returns SFN_OK or SFN_ERR (OOM, non-finite
 * double, invalid UTF-8, nesting deeper than SFN_JSON_MAX_DEPTH); on error
 * b may hold part of the text. */
int sfn_json_encode_buf(const sfn_value *v, sfn_buf *b, sfn_error *err);

/* Encode to a new NUL-terminated string (free with sfn_free).  NULL on error. */
char *sfn_json_encode(const sfn_value *v, size_t *len, sfn_error *err);

/* Append the JSON encoding of a string (with quotes) to b.  Bytes that are
 * not valid UTF-8 are written as U+FFFD (for messages; the encoder proper
 * rejects such strings). */
void sfn_json_encode_string(sfn_buf *b, const char *s, size_t len);

/* Append a double as JSON text in the Java form above.  NaN and infinities
 * are not JSON: they come out as NaN/Infinity/-Infinity (as Java prints
 * them, for messages); JSON output must reject them first. */
void sfn_json_encode_double(sfn_buf *b, double d);

#endif
