/*
 * sfn_choice.c: Choice state rules, compiled once into a tree of `rule`
 * nodes and evaluated against an input many times.
 *
 * Semantics (AWS, checked against the recorded choice_operators cases):
 *   - a comparison whose operands have the wrong type is "no match", never
 *     an error (StringEquals on a number, NumericEquals on "1", Timestamp*
 *     on a string that is not a timestamp, ...);
 *   - a Variable (or a ...Path operand) that selects nothing is the error
 *     States.Runtime "Invalid path '<path>': The choice state's condition
 *     path references an invalid value.", except under IsPresent, which is
 *     simply false for a missing path;
 *   - numbers compare by value across int and double (0 == 0.0), exactly
 *     (no rounding of int64 through double);
 *   - strings compare in UTF-16 code unit order, as Java's String.compareTo
 *     does (this differs from byte order only between U+E000..U+FFFF and
 *     characters beyond U+FFFF);
 *   - timestamps compare at nanosecond precision, after applying offsets;
 *   - StringMatches: `*` matches any run of characters (also none); `\*` is
 *     a literal star and `\\` a literal backslash; any other backslash is
 *     itself;
 *   - And/Or stop at the first operand that decides the result.
 * Evaluating a rule allocates nothing: constants are decoded at compile
 * time and path results are borrowed references.
 */
#include "sfn_choice.h"

#include <string.h>

#include "sfn_path.h"
#include "sfn_time.h"

#define MAX_DEPTH 64  /* nesting of And/Or/Not */
#define TOK_STAR -1   /* StringMatches token for `*` */

typedef enum kind {
  K_STRING,
  K_NUMERIC,
  K_BOOLEAN,
  K_TIMESTAMP,
  K_MATCHES,
  K_IS_NULL,
  K_IS_PRESENT,
  K_IS_NUMERIC,
  K_IS_STRING,
  K_IS_BOOLEAN,
  K_IS_TIMESTAMP,
  K_AND,
  K_OR,
  K_NOT
} kind;

typedef enum cmp { C_EQ, C_LT, C_GT, C_LE, C_GE } cmp;

typedef struct opdef {
  const char *name;
  uint8_t kind, cmp, is_path;
} opdef;

static const opdef OPS[] = {
    {"StringEquals", K_STRING, C_EQ, 0},
    {"StringEqualsPath", K_STRING, C_EQ, 1},
    {"StringLessThan", K_STRING, C_LT, 0},
    {"StringLessThanPath", K_STRING, C_LT, 1},
    {"StringGreaterThan", K_STRING, C_GT, 0},
    {"StringGreaterThanPath", K_STRING, C_GT, 1},
    {"StringLessThanEquals", K_STRING, C_LE, 0},
    {"StringLessThanEqualsPath", K_STRING, C_LE, 1},
    {"StringGreaterThanEquals", K_STRING, C_GE, 0},
    {"StringGreaterThanEqualsPath", K_STRING, C_GE, 1},
    {"StringMatches", K_MATCHES, C_EQ, 0},
    {"NumericEquals", K_NUMERIC, C_EQ, 0},
    {"NumericEqualsPath", K_NUMERIC, C_EQ, 1},
    {"NumericLessThan", K_NUMERIC, C_LT, 0},
    {"NumericLessThanPath", K_NUMERIC, C_LT, 1},
    {"NumericGreaterThan", K_NUMERIC, C_GT, 0},
    {"NumericGreaterThanPath", K_NUMERIC, C_GT, 1},
    {"NumericLessThanEquals", K_NUMERIC, C_LE, 0},
    {"NumericLessThanEqualsPath", K_NUMERIC, C_LE, 1},
    {"NumericGreaterThanEquals", K_NUMERIC, C_GE, 0},
    {"NumericGreaterThanEqualsPath", K_NUMERIC, C_GE, 1},
    {"BooleanEquals", K_BOOLEAN, C_EQ, 0},
    {"BooleanEqualsPath", K_BOOLEAN, C_EQ, 1},
    {"TimestampEquals", K_TIMESTAMP, C_EQ, 0},
    {"TimestampEqualsPath", K_TIMESTAMP, C_EQ, 1},
    {"TimestampLessThan", K_TIMESTAMP, C_LT, 0},
    {"TimestampLessThanPath", K_TIMESTAMP, C_LT, 1},
    {"TimestampGreaterThan", K_TIMESTAMP, C_GT, 0},
    {"TimestampGreaterThanPath", K_TIMESTAMP, C_GT, 1},
    {"TimestampLessThanEquals", K_TIMESTAMP, C_LE, 0},
    {"TimestampLessThanEqualsPath", K_TIMESTAMP, C_LE, 1},
    {"TimestampGreaterThanEquals", K_TIMESTAMP, C_GE, 0},
    {"TimestampGreaterThanEqualsPath", K_TIMESTAMP, C_GE, 1},
    {"IsNull", K_IS_NULL, C_EQ, 0},
    {"IsPresent", K_IS_PRESENT, C_EQ, 0},
    {"IsNumeric", K_IS_NUMERIC, C_EQ, 0},
    {"IsString", K_IS_STRING, C_EQ, 0},
    {"IsBoolean", K_IS_BOOLEAN, C_EQ, 0},
    {"IsTimestamp", K_IS_TIMESTAMP, C_EQ, 0},
    {"And", K_AND, C_EQ, 0},
    {"Or", K_OR, C_EQ, 0},
    {"Not", K_NOT, C_EQ, 0},
};
#define NOPS (sizeof OPS / sizeof OPS[0])

/*
 * One rule.  Leaves have `var` and either a constant (`cval`: a string or
 * number; `flag`: a boolean; `ts_*`: a timestamp; `pat`: a StringMatches
 * pattern) or `rhs`, a path to the right operand.  And/Or/Not have `kids`.
 */
typedef struct rule {
  uint8_t kind, cmp, flag;
  sfn_path *var, *rhs;
  char *var_text, *rhs_text; /* as written, for error messages */
  sfn_value *cval;
  int64_t ts_sec;
  int32_t ts_nsec;
  int16_t *pat; /* bytes 0..255 or TOK_STAR */
  size_t npat;
  struct rule *kids;
  size_t nkids;
} rule;

struct sfn_choice {
  rule *rules;
  char **next;
  size_t n;
};

/* ---- compile ---- */

static void rule_free(rule *r) {
  size_t i;
  sfn_path_free(r->var);
  sfn_path_free(r->rhs);
  sfn_free(r->var_text);
  sfn_free(r->rhs_text);
  sfn_decref(r->cval);
  sfn_free(r->pat);
  for (i = 0; i < r->nkids; i++) rule_free(&r->kids[i]);
  sfn_free(r->kids);
}

static int bad(sfn_error *err, const char *where, const char *what) {
  return sfn_error_set(err, "InvalidDefinition", "Choice rule%s%s: %s", *where ? " " : "", where,
                       what);
}

static int compile_path(const sfn_value *text, sfn_path **out, char **out_text, const char *where,
                        sfn_error *err) {
  if (sfn_type_of(text) != SFN_STRING) return bad(err, where, "a path must be a string");
  *out_text = sfn_strndup(sfn_str(text), sfn_strlen(text));
  if (!*out_text) return sfn_error_oom(err);
  *out = sfn_path_compile(sfn_str(text), sfn_strlen(text), SFN_PATH_ANY, err);
  return *out ? SFN_OK : SFN_ERR;
}

/* Turn a StringMatches pattern into tokens (see the file header). */
static int compile_pattern(rule *r, const sfn_value *p, sfn_error *err) {
  const unsigned char *s = (const unsigned char *)sfn_str(p);
  size_t n = sfn_strlen(p), i, k = 0;
  r->pat = sfn_malloc((n ? n : 1) * sizeof(int16_t));
  if (!r->pat) return sfn_error_oom(err);
  for (i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '\\')) {
      r->pat[k++] = s[++i];
    } else if (s[i] == '*') {
      if (k == 0 || r->pat[k - 1] != TOK_STAR) r->pat[k++] = TOK_STAR; /* ** == * */
    } else {
      r->pat[k++] = s[i];
    }
  }
  r->npat = k;
  return SFN_OK;
}

static int compile_rule(rule *r, const sfn_value *o, int depth, sfn_error *err);

static int compile_list(rule *r, const sfn_value *a, const char *name, int depth,
                        sfn_error *err) {
  size_t i, n;
  if (sfn_type_of(a) != SFN_ARRAY || sfn_array_len(a) == 0)
    return bad(err, name, "must be a non-empty array of rules");
  n = sfn_array_len(a);
  r->kids = sfn_malloc(n * sizeof(rule));
  if (!r->kids) return sfn_error_oom(err);
  memset(r->kids, 0, n * sizeof(rule));
  r->nkids = n;
  for (i = 0; i < n; i++)
    if (compile_rule(&r->kids[i], sfn_array_at(a, i), depth + 1, err) != SFN_OK) return SFN_ERR;
  return SFN_OK;
}

/* Compile one rule object into r (zeroed by the caller).  On failure r may be
 * partly filled; rule_free releases it. */
static int compile_rule(rule *r, const sfn_value *o, int depth, sfn_error *err) {
  const opdef *op = NULL;
  const sfn_value *arg = NULL, *var;
  size_t i, j;
  if (depth > MAX_DEPTH) return bad(err, "", "nested too deeply");
  if (sfn_type_of(o) != SFN_OBJECT) return bad(err, "", "must be an object");
  for (i = 0; i < sfn_object_len(o); i++) {
    const sfn_value *k = sfn_object_key(o, i);
    for (j = 0; j < NOPS; j++) {
      if (strlen(OPS[j].name) == sfn_strlen(k) && memcmp(OPS[j].name, sfn_str(k), sfn_strlen(k)) == 0) {
        if (op) return bad(err, OPS[j].name, "a rule has more than one operator");
        op = &OPS[j];
        arg = sfn_object_val(o, i);
        break;
      }
    }
  }
  if (!op) return bad(err, "", "no comparison operator (or And/Or/Not)");
  r->kind = op->kind;
  r->cmp = op->cmp;
  if (op->kind == K_AND || op->kind == K_OR) return compile_list(r, arg, op->name, depth, err);
  if (op->kind == K_NOT) {
    r->kids = sfn_malloc(sizeof(rule));
    if (!r->kids) return sfn_error_oom(err);
    memset(r->kids, 0, sizeof(rule));
    r->nkids = 1;
    return compile_rule(r->kids, arg, depth + 1, err);
  }
  var = sfn_object_gets(o, "Variable");
  if (!var) return bad(err, op->name, "needs a Variable");
  if (compile_path(var, &r->var, &r->var_text, "Variable", err) != SFN_OK) return SFN_ERR;
  if (op->is_path) return compile_path(arg, &r->rhs, &r->rhs_text, op->name, err);
  switch (op->kind) {
    case K_STRING:
      if (sfn_type_of(arg) != SFN_STRING) return bad(err, op->name, "needs a string");
      r->cval = sfn_incref((sfn_value *)arg);
      return SFN_OK;
    case K_MATCHES:
      if (sfn_type_of(arg) != SFN_STRING) return bad(err, op->name, "needs a string");
      return compile_pattern(r, arg, err);
    case K_NUMERIC:
      if (!sfn_is_number(arg)) return bad(err, op->name, "needs a number");
      r->cval = sfn_incref((sfn_value *)arg);
      return SFN_OK;
    case K_TIMESTAMP:
      if (sfn_type_of(arg) != SFN_STRING ||
          sfn_time_parse_ns(sfn_str(arg), sfn_strlen(arg), &r->ts_sec, &r->ts_nsec) != SFN_OK)
        return bad(err, op->name, "needs an ISO-8601 timestamp string");
      return SFN_OK;
    default: /* BooleanEquals and the Is* tests take a boolean */
      if (sfn_type_of(arg) != SFN_BOOL) return bad(err, op->name, "needs a boolean");
      r->flag = (uint8_t)(arg->u.b != 0);
      return SFN_OK;
  }
}

sfn_choice *sfn_choice_compile(sfn_value *choices, sfn_error *err) {
  sfn_choice *c;
  size_t i, n;
  if (!choices || sfn_type_of(choices) != SFN_ARRAY || sfn_array_len(choices) == 0) {
    bad(err, "Choices", "must be a non-empty array");
    return NULL;
  }
  n = sfn_array_len(choices);
  c = sfn_malloc(sizeof *c);
  if (!c) goto oom;
  c->n = n;
  c->rules = sfn_malloc(n * sizeof(rule));
  c->next = sfn_malloc(n * sizeof(char *));
  if (!c->rules || !c->next) {
    sfn_free(c->rules);
    sfn_free(c->next);
    sfn_free(c);
    goto oom;
  }
  memset(c->rules, 0, n * sizeof(rule));
  memset(c->next, 0, n * sizeof(char *));
  for (i = 0; i < n; i++) {
    const sfn_value *o = sfn_array_at(choices, i), *next;
    if (compile_rule(&c->rules[i], o, 0, err) != SFN_OK) goto fail;
    next = sfn_object_gets(o, "Next");
    if (!next || sfn_type_of(next) != SFN_STRING) {
      bad(err, "Next", "a top-level rule needs a Next string");
      goto fail;
    }
    c->next[i] = sfn_strndup(sfn_str(next), sfn_strlen(next));
    if (!c->next[i]) {
      sfn_error_oom(err);
      goto fail;
    }
  }
  return c;
fail:
  sfn_choice_free(c);
  return NULL;
oom:
  sfn_error_oom(err);
  return NULL;
}

void sfn_choice_free(sfn_choice *c) {
  size_t i;
  if (!c) return;
  for (i = 0; i < c->n; i++) {
    rule_free(&c->rules[i]);
    sfn_free(c->next[i]);
  }
  sfn_free(c->rules);
  sfn_free(c->next);
  sfn_free(c);
}

size_t sfn_choice_count(const sfn_choice *c) { return c ? c->n : 0; }

const char *sfn_choice_next(const sfn_choice *c, size_t i) {
  return c && i < c->n ? c->next[i] : NULL;
}

/* ---- comparisons ---- */

/* Decode the UTF-8 character starting at s[i] (input is valid UTF-8). */
static uint32_t utf8_at(const unsigned char *s, size_t n, size_t i) {
  uint32_t c = s[i];
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0, k;
  c &= extra == 3 ? 0x07 : extra == 2 ? 0x0F : extra == 1 ? 0x1F : 0x7F;
  for (k = 1; k <= extra && i + (size_t)k < n; k++) c = (c << 6) | (s[i + (size_t)k] & 0x3F);
  return c;
}

/* The first UTF-16 code unit of a code point. */
static uint32_t utf16_lead(uint32_t cp) {
  return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10);
}

/* Three-way comparison of two UTF-8 strings in UTF-16 code unit order. */
static int string_cmp(const sfn_value *a, const sfn_value *b) {
  const unsigned char *x = (const unsigned char *)sfn_str(a), *y = (const unsigned char *)sfn_str(b);
  size_t xn = sfn_strlen(a), yn = sfn_strlen(b), n = xn < yn ? xn : yn, i = 0;
  uint32_t cx, cy, ux, uy;
  while (i < n && x[i] == y[i]) i++;
  if (i == n) return xn < yn ? -1 : xn > yn ? 1 : 0;
  while (i > 0 && (x[i] & 0xC0) == 0x80) i--; /* back to the character start */
  cx = utf8_at(x, xn, i);
  cy = utf8_at(y, yn, i);
  ux = utf16_lead(cx);
  uy = utf16_lead(cy);
  if (ux != uy) return ux < uy ? -1 : 1;
  return cx < cy ? -1 : cx > cy ? 1 : 0;
}

/* Exact three-way comparison of an int64 with a (finite) double. */
static int int_double_cmp(int64_t i, double d) {
  int64_t t;
  double frac;
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  t = (int64_t)d; /* truncates toward zero, exact for |d| < 2^63 */
  if (i != t) return i < t ? -1 : 1;
  frac = d - (double)t;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int number_cmp(const sfn_value *a, const sfn_value *b) {
  if (a->type == SFN_INT && b->type == SFN_INT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
  if (a->type == SFN_INT) return int_double_cmp(a->u.i, b->u.d);
  if (b->type == SFN_INT) return -int_double_cmp(b->u.i, a->u.d);
  return a->u.d < b->u.d ? -1 : a->u.d > b->u.d ? 1 : 0;
}

static int holds(int c, cmp op) {
  switch (op) {
    case C_EQ: return c == 0;
    case C_LT: return c < 0;
    case C_GT: return c > 0;
    case C_LE: return c <= 0;
    default: return c >= 0;
  }
}

/* `*` wildcard match with one backtrack point (linear in practice). */
static int pattern_match(const rule *r, const sfn_value *v) {
  const unsigned char *s = (const unsigned char *)sfn_str(v);
  size_t n = sfn_strlen(v), i = 0, j = 0, star_i = 0, star_j = (size_t)-1;
  while (i < n) {
    if (j < r->npat && r->pat[j] == TOK_STAR) {
      star_j = j++;
      star_i = i;
    } else if (j < r->npat && r->pat[j] == (int16_t)s[i]) {
      i++;
      j++;
    } else if (star_j != (size_t)-1) {
      j = star_j + 1;
      i = ++star_i;
    } else {
      return 0;
    }
  }
  while (j < r->npat && r->pat[j] == TOK_STAR) j++;
  return j == r->npat;
}

static int is_timestamp(const sfn_value *v, int64_t *sec, int32_t *nsec) {
  return sfn_type_of(v) == SFN_STRING &&
         sfn_time_parse_ns(sfn_str(v), sfn_strlen(v), sec, nsec) == SFN_OK;
}

static int invalid_path(sfn_error *err, const char *path) {
  return sfn_error_set(err, "States.Runtime",
                       "Invalid path '%s': The choice state's condition path references an "
                       "invalid value.",
                       path);
}

/* Compare a leaf's Variable value v with its operand (constant or rhs). */
static int compare(const rule *r, const sfn_value *v, const sfn_value *rhs) {
  int64_t s1, s2;
  int32_t n1, n2;
  switch (r->kind) {
    case K_STRING:
      return sfn_type_of(v) == SFN_STRING && sfn_type_of(rhs) == SFN_STRING &&
             holds(string_cmp(v, rhs), (cmp)r->cmp);
    case K_NUMERIC:
      return sfn_is_number(v) && sfn_is_number(rhs) && holds(number_cmp(v, rhs), (cmp)r->cmp);
    case K_BOOLEAN:
      if (sfn_type_of(v) != SFN_BOOL) return 0;
      if (!rhs) return (v->u.b != 0) == r->flag;
      return sfn_type_of(rhs) == SFN_BOOL && (v->u.b != 0) == (rhs->u.b != 0);
    case K_TIMESTAMP:
      if (!is_timestamp(v, &s1, &n1)) return 0;
      if (rhs) {
        if (!is_timestamp(rhs, &s2, &n2)) return 0;
      } else {
        s2 = r->ts_sec;
        n2 = r->ts_nsec;
      }
      return holds(s1 < s2 ? -1 : s1 > s2 ? 1 : n1 < n2 ? -1 : n1 > n2, (cmp)r->cmp);
    case K_MATCHES: return sfn_type_of(v) == SFN_STRING && pattern_match(r, v);
    case K_IS_NULL: return (sfn_type_of(v) == SFN_NULL) == r->flag;
    case K_IS_NUMERIC: return (sfn_is_number(v) != 0) == r->flag;
    case K_IS_STRING: return (sfn_type_of(v) == SFN_STRING) == r->flag;
    case K_IS_BOOLEAN: return (sfn_type_of(v) == SFN_BOOL) == r->flag;
    case K_IS_TIMESTAMP: return is_timestamp(v, &s1, &n1) == r->flag;
    default: return 0;
  }
}

static int eval_rule(const rule *r, sfn_eval_env *env, int *out, sfn_error *err) {
  sfn_value *v = NULL, *rhs = NULL;
  size_t i;
  int rc;
  switch (r->kind) {
    case K_AND:
    case K_OR:
      for (i = 0; i < r->nkids; i++) {
        if (eval_rule(&r->kids[i], env, out, err) != SFN_OK) return SFN_ERR;
        if (*out != (r->kind == K_AND)) return SFN_OK; /* decided */
      }
      return SFN_OK;
    case K_NOT:
      if (eval_rule(r->kids, env, out, err) != SFN_OK) return SFN_ERR;
      *out = !*out;
      return SFN_OK;
    default: break;
  }
  rc = sfn_path_eval(r->var, env, &v, err);
  if (rc == SFN_ERR) return SFN_ERR;
  if (r->kind == K_IS_PRESENT) {
    *out = (rc == SFN_OK) == r->flag;
    sfn_decref(v);
    return SFN_OK;
  }
  if (rc != SFN_OK || !v) return invalid_path(err, r->var_text);
  if (r->rhs) {
    rc = sfn_path_eval(r->rhs, env, &rhs, err);
    if (rc != SFN_OK || !rhs) {
      sfn_decref(v);
      return rc == SFN_ERR ? SFN_ERR : invalid_path(err, r->rhs_text);
    }
  }
  *out = compare(r, v, rhs ? rhs : r->cval);
  sfn_decref(v);
  sfn_decref(rhs);
  return SFN_OK;
}

int sfn_choice_eval(const sfn_choice *c, sfn_eval_env *env, long *matched, sfn_error *err) {
  size_t i;
  *matched = -1;
  if (!c) return sfn_error_set(err, "States.Runtime", "no Choice rules");
  for (i = 0; i < c->n; i++) {
    int m = 0;
    if (eval_rule(&c->rules[i], env, &m, err) != SFN_OK) return SFN_ERR;
    if (m) {
      *matched = (long)i;
      return SFN_OK;
    }
  }
  return SFN_OK;
}
