/*
 * sfn_jsonata_fns_int.h: pieces shared by the files that implement JSONata's
 * plain built-in functions (sfn_jsonata_fns*.c); not part of the public API.
 *
 * Every built-in is an sfn_jn_fn (contract in sfn_jsonata_fns.h).  The
 * helpers here build results (numbers come back as SFN_INT when integral and
 * within +-2^53, as the evaluator does), report errors with JSONata's codes
 * and messages, print numbers the way JavaScript does, and walk UTF-8.
 */
#ifndef SFN_JSONATA_FNS_INT_H
#define SFN_JSONATA_FNS_INT_H

#include "sfn_jsonata_fns.h"

/* ---- results and errors ---- */

/* A JSONata number: SFN_INT when d is integral and |d| <= 2^53, else
 * SFN_DOUBLE (-0 becomes 0).  NULL on OOM. */
sfn_value *sfn_jnf_number(double d);
/* Set c->err to code / message (printf format).  Returns SFN_ERR. */
int sfn_jnf_fail(sfn_jn_call *c, const char *code, const char *fmt, ...) SFN_PRINTF(3, 4);
/* Out of memory.  Returns SFN_ERR. */
int sfn_jnf_oom(sfn_jn_call *c);
/* *out = v (a new reference, NULL = OOM): SFN_OK, or SFN_ERR on OOM. */
int sfn_jnf_ret(sfn_jn_call *c, sfn_value **out, sfn_value *v);
/* *out = the buffer's text as a string value (b is freed). */
int sfn_jnf_ret_buf(sfn_jn_call *c, sfn_value **out, sfn_buf *b);
/* Argument i (NULL when undefined or missing). */
sfn_value *sfn_jnf_arg(const sfn_jn_call *c, int i);
/* A sequence result: NULL (undefined) when arr is empty, its single item
 * when it has one, else arr itself.  Steals arr. */
int sfn_jnf_ret_seq(sfn_jn_call *c, sfn_value **out, sfn_value *arr);

/* 64 random bits from the env (host source or xorshift over rng_state);
 * a double in [0, 1) from them. */
uint64_t sfn_jnf_random64(sfn_jsonata_env *env);
double sfn_jnf_random01(sfn_jsonata_env *env);

/* ---- numbers as JavaScript prints them ---- */

/* Shortest round-trip digits of finite non-zero |d| (no trailing zeros) into
 * digits[0..*nd) (at most 17), returning the decimal exponent of the first
 * digit (d = 0.d1d2... * 10^(e+1)).  prec > 0 asks for at most prec
 * significant digits instead (rounded as toPrecision does). */
int sfn_jnf_digits(double d, int prec, char *digits, int *nd);
/* Append d as JavaScript's Number#toString does ("1e+21", "1.5e-7", "0.1"). */
void sfn_jnf_js_number(sfn_buf *b, double d);
/* Append d as JSONata's $string prints numbers: 15 significant digits, then
 * JavaScript's form. */
void sfn_jnf_js_number15(sfn_buf *b, double d);
/* JSON.stringify-like text of v as $string makes it (numbers as above,
 * indent 2 when pretty).  SFN_ERR on a non-finite number (D3001). */
int sfn_jnf_stringify(sfn_jn_call *c, sfn_buf *b, const sfn_value *v, int pretty);
/* A value for an error message: JSON text as JavaScript's JSON.stringify
 * prints it (strings quoted).  Into b. */
void sfn_jnf_msg_value(sfn_buf *b, const sfn_value *v);

/* ---- UTF-8 ---- */

/* Decode the code point at s[*i] (advancing *i); invalid bytes decode as
 * themselves (one byte each). */
uint32_t sfn_jnf_utf8_next(const char *s, size_t len, size_t *i);
void sfn_jnf_utf8_put(sfn_buf *b, uint32_t cp);
/* Number of code points in s. */
size_t sfn_jnf_cplen(const char *s, size_t len);
/* Byte offset of code point index k (len when k is past the end). */
size_t sfn_jnf_cp_offset(const char *s, size_t len, size_t k);
/* Simple (one-to-one) case mappings of a code point. */
uint32_t sfn_jnf_upper(uint32_t cp);
uint32_t sfn_jnf_lower(uint32_t cp);
/* JavaScript string length (UTF-16 code units) of s[0..len). */
size_t sfn_jnf_utf16_len(const char *s, size_t len);

/* ---- a growable array of code points (pictures are walked by character) ----
 * On allocation failure `oom` is set and further changes are ignored. */

typedef struct sfn_jnf_u32s {
  uint32_t *p;
  size_t n, cap;
  int oom;
} sfn_jnf_u32s;

void sfn_jnf_u32_free(sfn_jnf_u32s *u);
void sfn_jnf_u32_insert(sfn_jnf_u32s *u, size_t at, const uint32_t *s, size_t n);
void sfn_jnf_u32_add(sfn_jnf_u32s *u, const uint32_t *s, size_t n);
void sfn_jnf_u32_addc(sfn_jnf_u32s *u, uint32_t c);
/* Append the code points of UTF-8 s (p is never left NULL). */
void sfn_jnf_u32_from_utf8(sfn_jnf_u32s *u, const char *s, size_t len);
void sfn_jnf_u32_from_ascii(sfn_jnf_u32s *u, const char *s);
/* Append p[0..n) as UTF-8 to b. */
void sfn_jnf_u32_to_buf(sfn_buf *b, const uint32_t *p, size_t n);
void sfn_jnf_u32_remove(sfn_jnf_u32s *u, size_t at, size_t n);
/* Index of needle (m code points) in p[from..n) / its last index; -1 if none. */
long sfn_jnf_u32_find(const uint32_t *p, size_t n, const uint32_t *needle, size_t m, size_t from);
long sfn_jnf_u32_rfind(const uint32_t *p, size_t n, const uint32_t *needle, size_t m);

/* ---- integer pictures (fn:format-integer), shared by $formatInteger,
 * $parseInteger and the date/time pictures (sfn_jsonata_fns_integer.c) ---- */

enum { SFN_JNF_DECIMAL, SFN_JNF_LETTERS, SFN_JNF_ROMAN, SFN_JNF_WORDS, SFN_JNF_SEQUENCE };
enum { SFN_JNF_LOWER, SFN_JNF_UPPER, SFN_JNF_TITLE };
#define SFN_JNF_MAX_SEPS 32

typedef struct sfn_jnf_intfmt {
  int primary, tcase, ordinal;
  uint32_t zero;           /* decimal: the zero of the digit family */
  int mandatory, optional; /* decimal: digit counts */
  int regular;             /* decimal: separator interval when regular, else 0 */
  int nseps;               /* grouping separators, positions from the right */
  struct {
    int pos;
    uint32_t ch;
  } seps[SFN_JNF_MAX_SEPS];
  const char *token; /* the primary format token (for D3130) */
  size_t token_len;
} sfn_jnf_intfmt;

/* Analyse an integer picture ("0001", "#,##0;o", "w", "I", ...).  SFN_ERR
 * (D3131) on mixed digit families. */
int sfn_jnf_intpic(sfn_jn_call *c, const char *pic, size_t len, sfn_jnf_intfmt *f);
/* Append integral value formatted by f.  SFN_ERR (D3130) for an unsupported
 * numbering sequence. */
int sfn_jnf_fmtint(sfn_jn_call *c, sfn_buf *b, double value, const sfn_jnf_intfmt *f);
/* Parse s as f describes into *out (NaN when it has no digits); 0 when f is
 * a numbering sequence. */
int sfn_jnf_parseint(const sfn_jnf_intfmt *f, const char *s, size_t n, double *out);

/* ---- the built-ins, by file ---- */

#define SFN_JNF(name) int sfn_jnb_##name(sfn_jn_call *c, sfn_value **out)

/* strings (sfn_jsonata_fns_str.c) */
SFN_JNF(string);
SFN_JNF(length);
SFN_JNF(substring);
SFN_JNF(substringBefore);
SFN_JNF(substringAfter);
SFN_JNF(uppercase);
SFN_JNF(lowercase);
SFN_JNF(trim);
SFN_JNF(pad);
SFN_JNF(contains);
SFN_JNF(split);
SFN_JNF(join);
SFN_JNF(match);
SFN_JNF(replace);
SFN_JNF(base64encode);
SFN_JNF(base64decode);
SFN_JNF(encodeUrlComponent);
SFN_JNF(encodeUrl);
SFN_JNF(decodeUrlComponent);
SFN_JNF(decodeUrl);

/* numbers (sfn_jsonata_fns_num.c) */
SFN_JNF(number);
SFN_JNF(abs);
SFN_JNF(floor);
SFN_JNF(ceil);
SFN_JNF(round);
SFN_JNF(power);
SFN_JNF(sqrt);
SFN_JNF(sum);
SFN_JNF(max);
SFN_JNF(min);
SFN_JNF(average);
/* JSONata's $round on a double (half to even at `precision` decimals). */
double sfn_jnf_round(double d, int precision);

/* formatting (sfn_jsonata_fns_format.c, sfn_jsonata_fns_integer.c) */
SFN_JNF(formatNumber);
SFN_JNF(formatBase);
SFN_JNF(formatInteger);
SFN_JNF(parseInteger);

/* arrays and objects (sfn_jsonata_fns_array.c) */
SFN_JNF(count);
SFN_JNF(append);
SFN_JNF(reverse);
SFN_JNF(shuffle);
SFN_JNF(distinct);
SFN_JNF(zip);
SFN_JNF(keys);
SFN_JNF(merge);
SFN_JNF(spread);

/* dates (sfn_jsonata_fns_date.c) */
SFN_JNF(now);
SFN_JNF(millis);
SFN_JNF(fromMillis);
SFN_JNF(toMillis);

/* AWS's additions (sfn_jsonata_fns_aws.c) */
SFN_JNF(partition);
SFN_JNF(range);
SFN_JNF(hash);
SFN_JNF(random); /* with AWS's optional seed */
SFN_JNF(uuid);
SFN_JNF(parse);

#endif
