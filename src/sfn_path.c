/*
 * sfn_path.c: compiling ASL JSONPath text into steps (the form in
 * sfn_path_impl.h), the Jayway-style normalized text used in AWS's error
 * messages, and freeing.  Evaluation lives in sfn_path_eval.c.
 *
 * Syntax accepted for a Path (what AWS's Jayway-based evaluator accepts):
 *   $  $$  .name  ['name']  ["name"]  ['a','b']  [0]  [-1]  [0,2]  [1:3]
 *   [:2]  [-1:]  .*  [*]  ..name  ..*  ..[0]  [?(<filter>)]  .length() ...
 * A dot-notation name runs to the next '.', '[' or '(' and may hold any
 * other character (unicode, '-', ':') but not a space: names with spaces
 * need brackets.  A Reference Path allows only single names and indexes.
 */
#include "sfn_path_impl.h"
#include "sfn_json.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cparser {
  const char *s;
  size_t len, pos;
  int in_filter; /* parsing a filter operand path: names stop at operators */
  int depth;     /* filter nesting, bounded */
  int failed;    /* an error has been recorded */
  sfn_error *err;
} cparser;

#define MAX_FILTER_DEPTH 64

static void steps_free(steps *st);
static void fexpr_free(fexpr *e);
static int parse_filter(cparser *cp, fexpr **out);

static int fail(cparser *cp, const char *fmt, ...) SFN_PRINTF(2, 3);
static int fail(cparser *cp, const char *fmt, ...) {
  char reason[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (cp->failed) return SFN_ERR; /* keep the first error */
  cp->failed = 1;
  return sfn_error_set(cp->err, "InvalidPath", "Invalid JSONPath '%.*s': %s", (int)cp->len, cp->s,
                       reason);
}

static int oom(cparser *cp) {
  if (cp->failed) return SFN_ERR;
  cp->failed = 1;
  return sfn_error_oom(cp->err);
}

static int at_end(const cparser *cp) { return cp->pos >= cp->len; }
static char cur(const cparser *cp) { return cp->pos < cp->len ? cp->s[cp->pos] : '\0'; }
static char peek(const cparser *cp, size_t k) {
  return cp->pos + k < cp->len ? cp->s[cp->pos + k] : '\0';
}
static void skip_ws(cparser *cp) {
  while (cp->pos < cp->len && (cp->s[cp->pos] == ' ' || cp->s[cp->pos] == '\t' ||
                               cp->s[cp->pos] == '\n' || cp->s[cp->pos] == '\r'))
    cp->pos++;
}

static step *steps_push(cparser *cp, steps *st) {
  if (st->n == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 4;
    step *v = sfn_realloc(st->v, cap * sizeof(step));
    if (!v) {
      oom(cp);
      return NULL;
    }
    st->v = v;
    st->cap = cap;
  }
  memset(&st->v[st->n], 0, sizeof(step));
  return &st->v[st->n++];
}

/* ------------------------------------------------------------------ */
/* Tokens                                                             */
/* ------------------------------------------------------------------ */

/* An integer (optional '-').  SFN_OK with *out, else an error. */
static int parse_int(cparser *cp, int64_t *out) {
  int neg = 0;
  uint64_t v = 0;
  size_t start;
  if (cur(cp) == '-') {
    neg = 1;
    cp->pos++;
  }
  start = cp->pos;
  while (cur(cp) >= '0' && cur(cp) <= '9') {
    v = v * 10 + (uint64_t)(cur(cp) - '0');
    if (v > (uint64_t)INT32_MAX) return fail(cp, "index too large at position %zu", start);
    cp->pos++;
  }
  if (cp->pos == start) return fail(cp, "expected a number at position %zu", cp->pos);
  *out = neg ? -(int64_t)v : (int64_t)v;
  return SFN_OK;
}

/* A quoted string ('...' or "...") with backslash escapes; a new string value. */
static int parse_quoted(cparser *cp, sfn_value **out) {
  char q = cur(cp);
  sfn_buf b;
  size_t start = cp->pos;
  cp->pos++;
  sfn_buf_init(&b);
  for (;;) {
    char c;
    if (at_end(cp)) {
      sfn_buf_free(&b);
      return fail(cp, "unterminated string starting at position %zu", start);
    }
    c = cur(cp);
    if (c == q) break;
    if (c == '\\' && cp->pos + 1 < cp->len) {
      char e = peek(cp, 1);
      cp->pos += 2;
      switch (e) {
        case 'n': sfn_buf_addc(&b, '\n'); break;
        case 't': sfn_buf_addc(&b, '\t'); break;
        case 'r': sfn_buf_addc(&b, '\r'); break;
        case 'b': sfn_buf_addc(&b, '\b'); break;
        case 'f': sfn_buf_addc(&b, '\f'); break;
        default: sfn_buf_addc(&b, e); break; /* \' \" \\ \/ and anything else literally */
      }
      continue;
    }
    sfn_buf_addc(&b, c);
    cp->pos++;
  }
  cp->pos++; /* closing quote */
  if (b.oom) {
    sfn_buf_free(&b);
    return oom(cp);
  }
  *out = sfn_string(b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return *out ? SFN_OK : oom(cp);
}

static const struct {
  const char *name;
  int fn;
} funcs[] = {{"length", FN_LENGTH}, {"size", FN_SIZE},   {"min", FN_MIN},       {"max", FN_MAX},
             {"avg", FN_AVG},       {"sum", FN_SUM},     {"stddev", FN_STDDEV}, {"keys", FN_KEYS},
             {"first", FN_FIRST},   {"last", FN_LAST}};

static int is_name_stop(const cparser *cp, char c) {
  if (c == '.' || c == '[' || c == '(') return 1;
  if (cp->in_filter)
    return c == ' ' || c == ')' || c == '=' || c == '!' || c == '<' || c == '>' || c == '&' ||
           c == '|' || c == ',' || c == ']' || c == '~' || c == '\t';
  return 0;
}

/* A dot-notation name (or a function call) at cp->pos. */
static int parse_dot_name(cparser *cp, steps *st, int scan) {
  size_t start = cp->pos;
  step *s;
  while (!at_end(cp) && !is_name_stop(cp, cur(cp))) {
    if (cur(cp) == ' ')
      return fail(cp, "use bracket notation ['my prop'] for names with blank characters "
                      "(position %zu)", cp->pos);
    cp->pos++;
  }
  if (cp->pos == start) return fail(cp, "expected a name at position %zu", start);
  if (cur(cp) == '(') {
    size_t i, n = cp->pos - start;
    cp->pos++;
    skip_ws(cp);
    if (cur(cp) != ')') return fail(cp, "function arguments are not supported (position %zu)", cp->pos);
    cp->pos++;
    for (i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
      if (strlen(funcs[i].name) == n && memcmp(funcs[i].name, cp->s + start, n) == 0) break;
    if (i == sizeof funcs / sizeof funcs[0])
      return fail(cp, "unknown function '%.*s()'", (int)n, cp->s + start);
    if (scan) return fail(cp, "a function cannot follow '..'");
    if (!(s = steps_push(cp, st))) return SFN_ERR;
    s->kind = ST_FUNC;
    s->u.func = funcs[i].fn;
    return SFN_OK;
  }
  if (!(s = steps_push(cp, st))) return SFN_ERR;
  s->kind = ST_FIELD;
  s->scan = (uint8_t)scan;
  s->u.name = sfn_string(cp->s + start, cp->pos - start);
  return s->u.name ? SFN_OK : oom(cp);
}

/* A bracket step; cp->pos is just past '['. */
static int parse_bracket(cparser *cp, steps *st, int scan) {
  step *s;
  skip_ws(cp);
  if (cur(cp) == '?') {
    fexpr *e = NULL;
    cp->pos++;
    skip_ws(cp);
    if (cur(cp) != '(') return fail(cp, "expected '(' after '?' at position %zu", cp->pos);
    cp->pos++;
    if (parse_filter(cp, &e) != SFN_OK) return SFN_ERR;
    skip_ws(cp);
    if (cur(cp) != ')') {
      fexpr_free(e);
      return fail(cp, "expected ')' at position %zu", cp->pos);
    }
    cp->pos++;
    skip_ws(cp);
    if (cur(cp) != ']') {
      fexpr_free(e);
      return fail(cp, "expected ']' at position %zu", cp->pos);
    }
    cp->pos++;
    if (!(s = steps_push(cp, st))) {
      fexpr_free(e);
      return SFN_ERR;
    }
    s->kind = ST_FILTER;
    s->scan = (uint8_t)scan;
    s->u.filter = e;
    return SFN_OK;
  }
  if (cur(cp) == '*') {
    cp->pos++;
    skip_ws(cp);
    if (cur(cp) != ']') return fail(cp, "expected ']' at position %zu", cp->pos);
    cp->pos++;
    if (!(s = steps_push(cp, st))) return SFN_ERR;
    s->kind = ST_WILD;
    s->scan = (uint8_t)scan;
    return SFN_OK;
  }
  if (cur(cp) == '\'' || cur(cp) == '"') {
    sfn_value *names[64];
    uint32_t n = 0, i;
    for (;;) {
      skip_ws(cp);
      if (cur(cp) != '\'' && cur(cp) != '"') {
        fail(cp, "expected a quoted name at position %zu", cp->pos);
        goto names_fail;
      }
      if (n == 64) {
        fail(cp, "too many names in one bracket");
        goto names_fail;
      }
      if (parse_quoted(cp, &names[n]) != SFN_OK) goto names_fail;
      n++;
      skip_ws(cp);
      if (cur(cp) == ',') {
        cp->pos++;
        continue;
      }
      if (cur(cp) == ']') {
        cp->pos++;
        break;
      }
      fail(cp, "expected ',' or ']' at position %zu", cp->pos);
      goto names_fail;
    }
    if (!(s = steps_push(cp, st))) goto names_fail;
    s->scan = (uint8_t)scan;
    if (n == 1) {
      s->kind = ST_FIELD;
      s->u.name = names[0];
      return SFN_OK;
    }
    s->kind = ST_NAMES;
    s->u.names = sfn_malloc(n * sizeof(sfn_value *));
    if (!s->u.names) {
      st->n--;
      oom(cp);
      goto names_fail;
    }
    memcpy(s->u.names, names, n * sizeof(sfn_value *));
    s->n = n;
    return SFN_OK;
  names_fail:
    for (i = 0; i < n; i++) sfn_decref(names[i]);
    return SFN_ERR;
  }
  if (cur(cp) == '-' || cur(cp) == ':' || (cur(cp) >= '0' && cur(cp) <= '9')) {
    int64_t first = 0, second = 0;
    int has_first = 0;
    if (cur(cp) != ':') {
      if (parse_int(cp, &first) != SFN_OK) return SFN_ERR;
      has_first = 1;
      skip_ws(cp);
    }
    if (cur(cp) == ':') {
      int has_second = 0;
      cp->pos++;
      skip_ws(cp);
      if (cur(cp) != ']') {
        if (parse_int(cp, &second) != SFN_OK) return SFN_ERR;
        has_second = 1;
        skip_ws(cp);
      }
      if (cur(cp) != ']') return fail(cp, "expected ']' at position %zu", cp->pos);
      if (!has_first && !has_second) return fail(cp, "empty slice at position %zu", cp->pos);
      cp->pos++;
      if (!(s = steps_push(cp, st))) return SFN_ERR;
      s->kind = ST_SLICE;
      s->scan = (uint8_t)scan;
      s->has_from = (uint8_t)has_first;
      s->has_to = (uint8_t)has_second;
      s->u.slice.from = first;
      s->u.slice.to = second;
      return SFN_OK;
    }
    if (cur(cp) == ']') {
      cp->pos++;
      if (!(s = steps_push(cp, st))) return SFN_ERR;
      s->kind = ST_INDEX;
      s->scan = (uint8_t)scan;
      s->u.index = first;
      return SFN_OK;
    }
    if (cur(cp) == ',') {
      int64_t idx[64];
      uint32_t n = 0;
      idx[n++] = first;
      while (cur(cp) == ',') {
        cp->pos++;
        skip_ws(cp);
        if (n == 64) return fail(cp, "too many indexes in one bracket");
        if (parse_int(cp, &idx[n]) != SFN_OK) return SFN_ERR;
        n++;
        skip_ws(cp);
      }
      if (cur(cp) != ']') return fail(cp, "expected ']' at position %zu", cp->pos);
      cp->pos++;
      if (!(s = steps_push(cp, st))) return SFN_ERR;
      s->kind = ST_INDEXES;
      s->scan = (uint8_t)scan;
      s->u.indexes = sfn_malloc(n * sizeof(int64_t));
      if (!s->u.indexes) {
        st->n--;
        return oom(cp);
      }
      memcpy(s->u.indexes, idx, n * sizeof(int64_t));
      s->n = n;
      return SFN_OK;
    }
    if (at_end(cp)) return fail(cp, "unterminated '['");
    return fail(cp, "unexpected character '%c' at position %zu", cur(cp), cp->pos);
  }
  if (at_end(cp)) return fail(cp, "unterminated '['");
  return fail(cp, "could not parse the bracket at position %zu", cp->pos);
}

/*
 * Steps after the root.  At top level the whole text must be consumed; in a
 * filter operand, parsing stops at the first character that cannot continue
 * a path.
 */
static int parse_steps(cparser *cp, steps *st) {
  while (!at_end(cp)) {
    char c = cur(cp);
    if (st->n && st->v[st->n - 1].kind == ST_FUNC) {
      if (cp->in_filter) break;
      return fail(cp, "a function must be the last step (position %zu)", cp->pos);
    }
    if (c == '.') {
      int scan = 0;
      cp->pos++;
      if (cur(cp) == '.') {
        scan = 1;
        cp->pos++;
      }
      if (at_end(cp) || (cp->in_filter && is_name_stop(cp, cur(cp)) && cur(cp) != '['))
        return fail(cp, "a path must not end with '.' or '..'");
      if (cur(cp) == '.') return fail(cp, "unexpected '.' at position %zu", cp->pos);
      if (cur(cp) == '*') {
        step *s;
        cp->pos++;
        if (!(s = steps_push(cp, st))) return SFN_ERR;
        s->kind = ST_WILD;
        s->scan = (uint8_t)scan;
      } else if (cur(cp) == '[') {
        cp->pos++;
        if (parse_bracket(cp, st, scan) != SFN_OK) return SFN_ERR;
      } else if (parse_dot_name(cp, st, scan) != SFN_OK) {
        return SFN_ERR;
      }
    } else if (c == '[') {
      cp->pos++;
      if (parse_bracket(cp, st, 0) != SFN_OK) return SFN_ERR;
    } else if (cp->in_filter) {
      break;
    } else {
      return fail(cp, "unexpected character '%c' at position %zu, expected '.' or '['", c, cp->pos);
    }
  }
  return SFN_OK;
}

static void steps_mark_definite(steps *st) {
  size_t i;
  st->definite = 1;
  for (i = 0; i < st->n; i++) {
    const step *s = &st->v[i];
    if (s->scan) st->definite = 0;
    switch (s->kind) {
      case ST_FIELD: case ST_INDEX: case ST_FUNC: break;
      /* Jayway merges ['a','b'] into one object when it is the last step. */
      case ST_NAMES: if (i + 1 != st->n) st->definite = 0; break;
      default: st->definite = 0; break;
    }
  }
}

/* ------------------------------------------------------------------ */
/* Filters                                                            */
/* ------------------------------------------------------------------ */

static int is_word(const cparser *cp, const char *w) {
  size_t n = strlen(w);
  char after;
  if (cp->pos + n > cp->len || memcmp(cp->s + cp->pos, w, n) != 0) return 0;
  after = cp->pos + n < cp->len ? cp->s[cp->pos + n] : '\0';
  return !((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
           (after >= '0' && after <= '9') || after == '_');
}

static int parse_literal(cparser *cp, sfn_value **out);

/* A JSON-like list literal [a, 'b', 3] (strings may be single-quoted). */
static int parse_list(cparser *cp, sfn_value **out) {
  sfn_value *arr = sfn_array_new(0);
  if (!arr) return oom(cp);
  cp->pos++; /* [ */
  skip_ws(cp);
  if (cur(cp) == ']') {
    cp->pos++;
    *out = arr;
    return SFN_OK;
  }
  for (;;) {
    sfn_value *v;
    skip_ws(cp);
    if (++cp->depth > MAX_FILTER_DEPTH || parse_literal(cp, &v) != SFN_OK) {
      cp->depth--;
      sfn_decref(arr);
      return fail(cp, "invalid list literal at position %zu", cp->pos);
    }
    cp->depth--;
    if (sfn_array_push(arr, v) != SFN_OK) {
      sfn_decref(arr);
      return oom(cp);
    }
    skip_ws(cp);
    if (cur(cp) == ',') {
      cp->pos++;
      continue;
    }
    if (cur(cp) == ']') {
      cp->pos++;
      break;
    }
    sfn_decref(arr);
    return fail(cp, "expected ',' or ']' in a list at position %zu", cp->pos);
  }
  *out = arr;
  return SFN_OK;
}

/* {...}: scanned to its matching brace, then decoded as JSON. */
static int parse_object_literal(cparser *cp, sfn_value **out);

static int parse_number_literal(cparser *cp, sfn_value **out) {
  size_t start = cp->pos;
  int is_double = 0;
  char buf[64];
  if (cur(cp) == '-') cp->pos++;
  while (cur(cp) >= '0' && cur(cp) <= '9') cp->pos++;
  if (cur(cp) == '.') {
    is_double = 1;
    cp->pos++;
    while (cur(cp) >= '0' && cur(cp) <= '9') cp->pos++;
  }
  if (cur(cp) == 'e' || cur(cp) == 'E') {
    is_double = 1;
    cp->pos++;
    if (cur(cp) == '+' || cur(cp) == '-') cp->pos++;
    while (cur(cp) >= '0' && cur(cp) <= '9') cp->pos++;
  }
  if (cp->pos - start >= sizeof buf || cp->pos == start ||
      (cp->pos - start == 1 && cp->s[start] == '-'))
    return fail(cp, "invalid number at position %zu", start);
  memcpy(buf, cp->s + start, cp->pos - start);
  buf[cp->pos - start] = '\0';
  if (!is_double) {
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (*end == '\0' && !(v == LLONG_MAX || v == LLONG_MIN)) {
      *out = sfn_int((int64_t)v);
      return *out ? SFN_OK : oom(cp);
    }
  }
  *out = sfn_double(strtod(buf, NULL));
  return *out ? SFN_OK : oom(cp);
}

static int parse_literal(cparser *cp, sfn_value **out) {
  char c = cur(cp);
  if (c == '\'' || c == '"') return parse_quoted(cp, out);
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number_literal(cp, out);
  if (c == '[') return parse_list(cp, out);
  if (c == '{') return parse_object_literal(cp, out);
  if (is_word(cp, "true")) {
    cp->pos += 4;
    *out = sfn_true();
    return SFN_OK;
  }
  if (is_word(cp, "false")) {
    cp->pos += 5;
    *out = sfn_false();
    return SFN_OK;
  }
  if (is_word(cp, "null")) {
    cp->pos += 4;
    *out = sfn_null();
    return SFN_OK;
  }
  return fail(cp, "expected a value at position %zu", cp->pos);
}

/* /pattern/flags for =~, kept as a string; flag i sets *icase. */
static int parse_regex_literal(cparser *cp, sfn_value **out, int *icase) {
  size_t start = ++cp->pos;
  while (!at_end(cp) && cur(cp) != '/') {
    if (cur(cp) == '\\') cp->pos++;
    cp->pos++;
  }
  if (at_end(cp)) return fail(cp, "unterminated regular expression at position %zu", start - 1);
  *out = sfn_string(cp->s + start, cp->pos - start);
  if (!*out) return oom(cp);
  cp->pos++;
  *icase = 0;
  while (cur(cp) >= 'a' && cur(cp) <= 'z') {
    if (cur(cp) == 'i') *icase = 1;
    cp->pos++;
  }
  return SFN_OK;
}

static int parse_operand(cparser *cp, foperand *o) {
  skip_ws(cp);
  if (cur(cp) == '@' || cur(cp) == '$') {
    int saved = cp->in_filter, rc;
    o->from_root = cur(cp) == '$';
    cp->pos++;
    cp->in_filter = 1;
    rc = parse_steps(cp, &o->path);
    cp->in_filter = saved;
    if (rc != SFN_OK) return SFN_ERR;
    steps_mark_definite(&o->path);
    return SFN_OK;
  }
  return parse_literal(cp, &o->lit);
}

static const struct {
  const char *text;
  int op;
  int word;
} ops[] = {{"==", OP_EQ, 0},          {"!=", OP_NE, 0},         {"<=", OP_LE, 0},
           {">=", OP_GE, 0},          {"=~", OP_REGEX, 0},      {"<", OP_LT, 0},
           {">", OP_GT, 0},           {"nin", OP_NIN, 1},       {"in", OP_IN, 1},
           {"contains", OP_CONTAINS, 1}, {"size", OP_SIZE, 1},  {"empty", OP_EMPTY, 1},
           {"anyof", OP_ANYOF, 1},    {"noneof", OP_NONEOF, 1}, {"subsetof", OP_SUBSETOF, 1}};

static fexpr *fexpr_new(cparser *cp, int kind) {
  fexpr *e = sfn_malloc(sizeof(fexpr));
  if (!e) {
    oom(cp);
    return NULL;
  }
  memset(e, 0, sizeof *e);
  e->kind = (uint8_t)kind;
  return e;
}

static int parse_or(cparser *cp, fexpr **out);

static int parse_primary(cparser *cp, fexpr **out) {
  fexpr *e;
  size_t i;
  skip_ws(cp);
  if (++cp->depth > MAX_FILTER_DEPTH) return fail(cp, "filter nested too deeply");
  if (cur(cp) == '!') {
    fexpr *inner = NULL;
    cp->pos++;
    if (parse_primary(cp, &inner) != SFN_OK) return SFN_ERR;
    if (!(e = fexpr_new(cp, FX_NOT))) {
      fexpr_free(inner);
      return SFN_ERR;
    }
    e->a = inner;
    *out = e;
    cp->depth--;
    return SFN_OK;
  }
  if (cur(cp) == '(') {
    cp->pos++;
    if (parse_or(cp, out) != SFN_OK) return SFN_ERR;
    skip_ws(cp);
    if (cur(cp) != ')') {
      fexpr_free(*out);
      *out = NULL;
      return fail(cp, "expected ')' at position %zu", cp->pos);
    }
    cp->pos++;
    cp->depth--;
    return SFN_OK;
  }
  if (!(e = fexpr_new(cp, FX_EXISTS))) return SFN_ERR;
  if (parse_operand(cp, &e->left) != SFN_OK) goto fail_e;
  skip_ws(cp);
  for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    size_t n = strlen(ops[i].text);
    if (ops[i].word ? is_word(cp, ops[i].text)
                    : (cp->pos + n <= cp->len && memcmp(cp->s + cp->pos, ops[i].text, n) == 0))
      break;
  }
  if (i < sizeof ops / sizeof ops[0]) {
    e->kind = FX_CMP;
    e->op = (uint8_t)ops[i].op;
    cp->pos += strlen(ops[i].text);
    skip_ws(cp);
    if (e->op == OP_REGEX) {
      int icase = 0;
      if (cur(cp) != '/') {
        fail(cp, "expected /regex/ at position %zu", cp->pos);
        goto fail_e;
      }
      if (parse_regex_literal(cp, &e->right.lit, &icase) != SFN_OK) goto fail_e;
      e->icase = (uint8_t)icase;
    } else if (parse_operand(cp, &e->right) != SFN_OK) {
      goto fail_e;
    }
  } else if (e->left.lit) {
    fail(cp, "expected a comparison at position %zu", cp->pos);
    goto fail_e;
  }
  *out = e;
  cp->depth--;
  return SFN_OK;
fail_e:
  fexpr_free(e);
  return SFN_ERR;
}

/* left (op right)*: a left-associative chain of the two-character operator
 * `c c` (&& or ||) over operands parsed by sub. */
static int parse_chain(cparser *cp, fexpr **out, char c, int kind, int (*sub)(cparser *, fexpr **)) {
  fexpr *left = NULL;
  if (sub(cp, &left) != SFN_OK) return SFN_ERR;
  for (;;) {
    fexpr *right = NULL, *e;
    skip_ws(cp);
    if (!(cur(cp) == c && peek(cp, 1) == c)) break;
    cp->pos += 2;
    if (sub(cp, &right) != SFN_OK || !(e = fexpr_new(cp, kind))) {
      fexpr_free(left);
      fexpr_free(right);
      return SFN_ERR;
    }
    e->a = left;
    e->b = right;
    left = e;
  }
  *out = left;
  return SFN_OK;
}

static int parse_and(cparser *cp, fexpr **out) { return parse_chain(cp, out, '&', FX_AND, parse_primary); }

static int parse_or(cparser *cp, fexpr **out) { return parse_chain(cp, out, '|', FX_OR, parse_and); }

static int parse_filter(cparser *cp, fexpr **out) {
  int rc;
  if (++cp->depth > MAX_FILTER_DEPTH) return fail(cp, "filter nested too deeply");
  rc = parse_or(cp, out);
  cp->depth--;
  return rc;
}

static int parse_object_literal(cparser *cp, sfn_value **out) {
  size_t start = cp->pos, depth = 0;
  sfn_error jerr = {{0}, NULL, 0, 0};
  for (; !at_end(cp); cp->pos++) {
    char c = cur(cp);
    if (c == '"') {
      cp->pos++;
      while (!at_end(cp) && cur(cp) != '"') {
        if (cur(cp) == '\\') cp->pos++;
        cp->pos++;
      }
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        cp->pos++;
        break;
      }
    }
  }
  if (depth) return fail(cp, "unterminated object literal at position %zu", start);
  *out = sfn_json_decode(cp->s + start, cp->pos - start, &jerr);
  if (!*out) {
    sfn_error_clear(&jerr);
    return fail(cp, "invalid object literal at position %zu", start);
  }
  return SFN_OK;
}

/* ------------------------------------------------------------------ */
/* Freeing                                                            */
/* ------------------------------------------------------------------ */

static void foperand_free(foperand *o) {
  sfn_decref(o->lit);
  steps_free(&o->path);
}

static void fexpr_free(fexpr *e) {
  if (!e) return;
  fexpr_free(e->a);
  fexpr_free(e->b);
  foperand_free(&e->left);
  foperand_free(&e->right);
  sfn_free(e);
}

static void steps_free(steps *st) {
  size_t i;
  uint32_t j;
  for (i = 0; i < st->n; i++) {
    step *s = &st->v[i];
    switch (s->kind) {
      case ST_FIELD: sfn_decref(s->u.name); break;
      case ST_NAMES:
        for (j = 0; j < s->n; j++) sfn_decref(s->u.names[j]);
        sfn_free(s->u.names);
        break;
      case ST_INDEXES: sfn_free(s->u.indexes); break;
      case ST_FILTER: fexpr_free(s->u.filter); break;
      default: break;
    }
  }
  sfn_free(st->v);
  st->v = NULL;
  st->n = st->cap = 0;
}

void sfn_path_free(sfn_path *p) {
  if (!p) return;
  steps_free(&p->body);
  sfn_free(p->text);
  sfn_free(p->normalized);
  sfn_free(p->var);
  sfn_free(p);
}

/* ------------------------------------------------------------------ */
/* Normalized text                                                    */
/* ------------------------------------------------------------------ */

/* Jayway prints a path as $['a'][0][*]..['b'] (no escaping of quotes). */
static void normalize(const sfn_path *p, sfn_buf *b) {
  size_t i;
  uint32_t j;
  sfn_buf_adds(b, p->context ? "$$" : "$");
  if (p->var) sfn_buf_add(b, p->var, p->var_len);
  for (i = 0; i < p->body.n; i++) {
    const step *s = &p->body.v[i];
    if (s->scan) sfn_buf_add(b, "..", 2);
    switch (s->kind) {
      case ST_FIELD:
        sfn_buf_add(b, "['", 2);
        sfn_buf_add(b, sfn_str(s->u.name), sfn_strlen(s->u.name));
        sfn_buf_add(b, "']", 2);
        break;
      case ST_NAMES:
        sfn_buf_addc(b, '[');
        for (j = 0; j < s->n; j++) {
          if (j) sfn_buf_addc(b, ',');
          sfn_buf_addc(b, '\'');
          sfn_buf_add(b, sfn_str(s->u.names[j]), sfn_strlen(s->u.names[j]));
          sfn_buf_addc(b, '\'');
        }
        sfn_buf_addc(b, ']');
        break;
      case ST_INDEX: sfn_buf_printf(b, "[%lld]", (long long)s->u.index); break;
      case ST_INDEXES:
        sfn_buf_addc(b, '[');
        for (j = 0; j < s->n; j++) sfn_buf_printf(b, j ? ",%lld" : "%lld", (long long)s->u.indexes[j]);
        sfn_buf_addc(b, ']');
        break;
      case ST_WILD: sfn_buf_add(b, "[*]", 3); break;
      case ST_SLICE:
        sfn_buf_addc(b, '[');
        if (s->has_from) sfn_buf_printf(b, "%lld", (long long)s->u.slice.from);
        sfn_buf_addc(b, ':');
        if (s->has_to) sfn_buf_printf(b, "%lld", (long long)s->u.slice.to);
        sfn_buf_addc(b, ']');
        break;
      case ST_FILTER: sfn_buf_add(b, "[?]", 3); break;
      case ST_FUNC: {
        size_t k;
        for (k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
          if (funcs[k].fn == s->u.func) sfn_buf_printf(b, ".%s()", funcs[k].name);
        break;
      }
    }
  }
}

/* ------------------------------------------------------------------ */
/* Public API                                                         */
/* ------------------------------------------------------------------ */

sfn_path *sfn_path_compile(const char *text, size_t len, sfn_path_kind kind, sfn_error *err) {
  cparser cp;
  sfn_path *p;
  sfn_buf nb;
  size_t i;
  memset(&cp, 0, sizeof cp);
  cp.s = text;
  cp.len = len;
  cp.err = err;
  p = sfn_malloc(sizeof *p);
  if (!p) {
    sfn_error_oom(err);
    return NULL;
  }
  memset(p, 0, sizeof *p);
  p->text = sfn_strndup(text, len);
  p->len = len;
  if (!p->text) {
    oom(&cp);
    goto fail;
  }
  if (len == 0 || text[0] != '$') {
    fail(&cp, "a path must start with '$'");
    goto fail;
  }
  cp.pos = 1;
  if (cur(&cp) == '$') {
    p->context = 1;
    cp.pos = 2;
  } else if ((cur(&cp) >= 'a' && cur(&cp) <= 'z') || (cur(&cp) >= 'A' && cur(&cp) <= 'Z') ||
             cur(&cp) == '_') {
    /* A workflow variable: `$name` then steps into its value. */
    size_t e = cp.pos;
    while (e < len && ((text[e] >= 'a' && text[e] <= 'z') || (text[e] >= 'A' && text[e] <= 'Z') ||
                       (text[e] >= '0' && text[e] <= '9') || text[e] == '_'))
      e++;
    p->var = sfn_strndup(text + cp.pos, e - cp.pos);
    p->var_len = e - cp.pos;
    if (!p->var) {
      oom(&cp);
      goto fail;
    }
    cp.pos = e;
  }
  /* Jayway ignores whitespace around the path. */
  while (cp.len > cp.pos && (text[cp.len - 1] == ' ' || text[cp.len - 1] == '\t' ||
                             text[cp.len - 1] == '\n' || text[cp.len - 1] == '\r'))
    cp.len--;
  if (parse_steps(&cp, &p->body) != SFN_OK) goto fail;
  steps_mark_definite(&p->body);
  if (kind == SFN_PATH_REFERENCE) {
    for (i = 0; i < p->body.n; i++) {
      const step *s = &p->body.v[i];
      if (s->scan || (s->kind != ST_FIELD && s->kind != ST_INDEX)) {
        fail(&cp, "a reference path selects a single node: only .name, ['name'] and [index] "
                  "steps are allowed");
        goto fail;
      }
    }
  }
  sfn_buf_init(&nb);
  normalize(p, &nb);
  p->normalized = sfn_buf_take(&nb, NULL);
  if (!p->normalized) {
    oom(&cp);
    goto fail;
  }
  return p;
fail:
  if (!cp.failed) sfn_error_oom(err);
  sfn_path_free(p);
  return NULL;
}

const char *sfn_path_text(const sfn_path *p) { return p->text; }
const char *sfn_path_normalized(const sfn_path *p) { return p->normalized; }
int sfn_path_is_context(const sfn_path *p) { return p->context; }
int sfn_path_is_root(const sfn_path *p) { return !p->context && !p->var && p->body.n == 0; }
const char *sfn_path_variable(const sfn_path *p, size_t *len) {
  if (len) *len = p->var_len;
  return p->var;
}
int sfn_path_is_definite(const sfn_path *p) { return p->body.definite; }
