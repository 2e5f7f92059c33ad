/*
 * sfn_intrinsic.c: intrinsic function calls: the parser (text -> call
 * tree, once, when a definition is compiled) and the evaluation driver
 * (tree -> value, every time the state runs).
 *
 * Syntax, as AWS accepts it:
 *   call  := "States." Name ws "(" ws [ arg { ws "," ws arg } ] ws ")" ws
 *   arg   := 'string' | number | true | false | null | path | call
 * A string literal is in single quotes; inside it only \' \{ \} \\ are
 * escapes (any other backslash makes the definition invalid).  A number is
 * a JSON number.  A path starts with `$` and runs to the next `,` or `)`
 * (or blank) outside brackets; it is compiled with sfn_path_compile.
 *
 * What is checked when: a syntax error, an unknown function name or an
 * invalid path argument fails the compile ("InvalidIntrinsic"), since AWS
 * rejects such definitions.  Argument counts, types and ranges are checked
 * when the call runs, as AWS does (it accepts `States.Hash()` in a
 * definition and fails the execution), with code "States.Runtime".
 */
#include "sfn_intrinsic.h"

#include "sfn_intrinsic_fns.h"
#include "sfn_json.h"
#include "sfn_path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64   /* nested calls; AWS documents 10, this only guards the C stack */
#define STACK_ARGS 8   /* arguments evaluated without a heap array */

typedef enum { N_LIT, N_PATH, N_VAR, N_CALL } node_kind;

typedef struct node {
  node_kind kind;
  union {
    sfn_value *lit;
    sfn_path *path;
    struct {
      char *name; /* "$name" as written */
      sfn_path *sub; /* the steps after the name, as a `$...` path */
    } var;
    struct {
      const sfn_idef *def;
      sfn_ifmt *fmt; /* States.Format with a literal template */
      size_t nargs;
      struct node *args;
    } call;
  } u;
} node;

struct sfn_intrinsic {
  node root;
  char *text; /* the call as written, for error messages */
  size_t len;
};

/* ------------------------------------------------------------------ */
/* Recognition                                                         */
/* ------------------------------------------------------------------ */

int sfn_intrinsic_is_call(const char *text, size_t len) {
  return len >= 7 && memcmp(text, "States.", 7) == 0;
}

/* ------------------------------------------------------------------ */
/* Tree                                                                */
/* ------------------------------------------------------------------ */

static void node_clear(node *n) {
  size_t i;
  switch (n->kind) {
  case N_LIT: sfn_decref(n->u.lit); break;
  case N_PATH: sfn_path_free(n->u.path); break;
  case N_VAR:
    sfn_free(n->u.var.name);
    sfn_path_free(n->u.var.sub);
    break;
  case N_CALL:
    for (i = 0; i < n->u.call.nargs; i++) node_clear(&n->u.call.args[i]);
    sfn_free(n->u.call.args);
    sfn_intrinsic_fmt_free(n->u.call.fmt);
    break;
  }
  n->kind = N_LIT;
  n->u.lit = NULL;
}

void sfn_intrinsic_free(sfn_intrinsic *f) {
  if (!f) return;
  node_clear(&f->root);
  sfn_free(f->text);
  sfn_free(f);
}

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */

typedef struct parser {
  const char *s;
  size_t len, pos;
  sfn_error *err;
  const char *whole; /* for messages */
  size_t whole_len;
} parser;

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void skip_blanks(parser *p) {
  while (p->pos < p->len && is_blank(p->s[p->pos])) p->pos++;
}

static int syntax(parser *p, const char *what) {
  if (p->err && p->err->code[0]) return SFN_ERR; /* keep the first (innermost) error */
  return sfn_error_set(p->err, "InvalidIntrinsic", "Invalid intrinsic function call '%.*s': %s at position %zu",
                       (int)p->whole_len, p->whole, what, p->pos + 1);
}

/* A string literal starting at the opening quote: decode it into *out. */
static int parse_string(parser *p, sfn_value **out) {
  sfn_buf b;
  size_t i;
  sfn_buf_init(&b);
  p->pos++; /* opening quote */
  for (i = p->pos; i < p->len; i++) {
    char c = p->s[i];
    if (c == '\'') break;
    if (c == '\\') {
      char e = i + 1 < p->len ? p->s[i + 1] : '\0';
      if (e != '\'' && e != '{' && e != '}' && e != '\\') {
        sfn_buf_free(&b);
        p->pos = i;
        return syntax(p, "invalid escape sequence in string literal (only \\', \\{, \\} and \\\\ are allowed)");
      }
      sfn_buf_addc(&b, e);
      i++;
      continue;
    }
    sfn_buf_addc(&b, c);
  }
  if (i >= p->len) {
    sfn_buf_free(&b);
    p->pos = p->len;
    return syntax(p, "unterminated string literal");
  }
  p->pos = i + 1;
  if (b.oom) {
    sfn_buf_free(&b);
    return sfn_error_oom(p->err);
  }
  *out = sfn_string(b.data ? b.data : "", b.len);
  sfn_buf_free(&b);
  return *out ? SFN_OK : sfn_error_oom(p->err);
}

/* A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser *p, sfn_value **out) {
  size_t i = p->pos, start = p->pos;
  int integral = 1;
  char tmp[64];
  if (i < p->len && p->s[i] == '-') i++;
  if (i >= p->len || !is_digit(p->s[i])) return syntax(p, "invalid number");
  if (p->s[i] == '0') i++;
  else
    while (i < p->len && is_digit(p->s[i])) i++;
  if (i < p->len && p->s[i] == '.') {
    integral = 0;
    i++;
    if (i >= p->len || !is_digit(p->s[i])) return syntax(p, "invalid number");
    while (i < p->len && is_digit(p->s[i])) i++;
  }
  if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
    integral = 0;
    i++;
    if (i < p->len && (p->s[i] == '+' || p->s[i] == '-')) i++;
    if (i >= p->len || !is_digit(p->s[i])) return syntax(p, "invalid number");
    while (i < p->len && is_digit(p->s[i])) i++;
  }
  if (i - start >= sizeof tmp) return syntax(p, "number too long");
  memcpy(tmp, p->s + start, i - start);
  tmp[i - start] = '\0';
  p->pos = i;
  if (integral) {
    long long v;
    errno = 0;
    v = strtoll(tmp, NULL, 10);
    if (errno == 0) {
      *out = sfn_int((int64_t)v);
      return *out ? SFN_OK : sfn_error_oom(p->err);
    }
  }
  *out = sfn_double(strtod(tmp, NULL));
  return *out ? SFN_OK : sfn_error_oom(p->err);
}

/* A path argument: `$` up to the next `,`/`)`/blank outside brackets.  A
 * workflow variable (`$name`, `$name.field`) becomes an N_VAR node. */
static int parse_path(parser *p, node *n) {
  size_t i = p->pos, name_end = p->pos + 1;
  int depth = 0;
  char quote = 0;
  sfn_error perr = {{0}, NULL, 0, 0};
  sfn_buf b;
  for (; i < p->len; i++) {
    char c = p->s[i];
    if (quote) {
      if (c == '\\' && i + 1 < p->len) i++;
      else if (c == quote) quote = 0;
      continue;
    }
    if (depth > 0 && (c == '\'' || c == '"')) quote = c;
    else if (c == '[' || c == '(') depth++;
    else if (c == ']' || c == ')') {
      if (depth == 0) break;
      depth--;
    } else if (depth == 0 && (c == ',' || is_blank(c))) break;
  }
  sfn_buf_init(&b);
  while (name_end < i && (is_alnum(p->s[name_end]) || p->s[name_end] == '_')) name_end++;
  if (name_end > p->pos + 1 && !is_digit(p->s[p->pos + 1])) { /* $name... */
    n->kind = N_VAR;
    n->u.var.sub = NULL;
    n->u.var.name = sfn_strndup(p->s + p->pos, name_end - p->pos);
    sfn_buf_addc(&b, '$');
    sfn_buf_add(&b, p->s + name_end, i - name_end);
    if (!n->u.var.name || b.oom) {
      sfn_buf_free(&b);
      return sfn_error_oom(p->err);
    }
    n->u.var.sub = sfn_path_compile(b.data, b.len, SFN_PATH_ANY, &perr);
  } else {
    n->kind = N_PATH;
    n->u.path = sfn_path_compile(p->s + p->pos, i - p->pos, SFN_PATH_ANY, &perr);
  }
  sfn_buf_free(&b);
  if (n->kind == N_VAR ? !n->u.var.sub : !n->u.path) {
    if (strcmp(perr.code, "OutOfMemory") == 0) {
      sfn_error_move(p->err, &perr);
      return SFN_ERR;
    }
    syntax(p, perr.message ? perr.message : "invalid path");
    sfn_error_clear(&perr);
    return SFN_ERR;
  }
  p->pos = i;
  return SFN_OK;
}

static int parse_call(parser *p, node *n, int depth);

static int parse_arg(parser *p, node *n, int depth) {
  char c = p->s[p->pos];
  n->kind = N_LIT;
  n->u.lit = NULL;
  if (c == '\'') return parse_string(p, &n->u.lit);
  if (c == '$') {
    n->kind = N_PATH;
    n->u.path = NULL;
    return parse_path(p, n);
  }
  if (c == '-' || is_digit(c)) return parse_number(p, &n->u.lit);
  if (p->len - p->pos >= 7 && memcmp(p->s + p->pos, "States.", 7) == 0) return parse_call(p, n, depth + 1);
  if (is_alnum(c)) {
    size_t e = p->pos;
    while (e < p->len && is_alnum(p->s[e])) e++;
    if (e - p->pos == 4 && memcmp(p->s + p->pos, "true", 4) == 0) n->u.lit = sfn_true();
    else if (e - p->pos == 5 && memcmp(p->s + p->pos, "false", 5) == 0) n->u.lit = sfn_false();
    else if (e - p->pos == 4 && memcmp(p->s + p->pos, "null", 4) == 0) n->u.lit = sfn_null();
    else return syntax(p, "unexpected word (arguments are 'strings', numbers, true, false, null, paths or calls)");
    p->pos = e;
    return SFN_OK;
  }
  return syntax(p, "unexpected character");
}

/* Append one zeroed node to the call's argument array. */
static node *push_arg(node *n, size_t *cap) {
  if (n->u.call.nargs == *cap) {
    size_t nc = *cap ? *cap * 2 : 4;
    node *na = sfn_realloc(n->u.call.args, nc * sizeof *na);
    if (!na) return NULL;
    n->u.call.args = na;
    *cap = nc;
  }
  n->u.call.args[n->u.call.nargs].kind = N_LIT;
  n->u.call.args[n->u.call.nargs].u.lit = NULL;
  return &n->u.call.args[n->u.call.nargs++];
}

static int parse_call(parser *p, node *n, int depth) {
  size_t name_start = p->pos, cap = 0;
  n->kind = N_CALL;
  n->u.call.def = NULL;
  n->u.call.fmt = NULL;
  n->u.call.nargs = 0;
  n->u.call.args = NULL;
  if (depth > MAX_DEPTH) return syntax(p, "intrinsic functions nested too deeply");
  p->pos += 7; /* "States." */
  while (p->pos < p->len && is_alnum(p->s[p->pos])) p->pos++;
  n->u.call.def = sfn_intrinsic_lookup(p->s + name_start, p->pos - name_start);
  if (!n->u.call.def) {
    size_t at = p->pos;
    p->pos = name_start;
    if (p->err && !p->err->code[0])
      sfn_error_set(p->err, "InvalidIntrinsic", "Invalid intrinsic function call '%.*s': unknown function '%.*s'",
                    (int)p->whole_len, p->whole, (int)(at - name_start), p->s + name_start);
    return SFN_ERR;
  }
  skip_blanks(p);
  if (p->pos >= p->len || p->s[p->pos] != '(') return syntax(p, "expected '(' after the function name");
  p->pos++;
  skip_blanks(p);
  if (p->pos < p->len && p->s[p->pos] == ')') {
    p->pos++;
    return SFN_OK;
  }
  for (;;) {
    node *a;
    size_t arg_start;
    if (p->pos >= p->len) return syntax(p, "missing ')'");
    a = push_arg(n, &cap);
    if (!a) return sfn_error_oom(p->err);
    arg_start = p->pos;
    if (parse_arg(p, a, depth) != SFN_OK) return SFN_ERR;
    /* States.Format: pre-split a literal template (first argument). */
    if (n->u.call.nargs == 1 && a->kind == N_LIT && p->s[arg_start] == '\'' &&
        strcmp(n->u.call.def->name, "States.Format") == 0) {
      n->u.call.fmt = sfn_intrinsic_fmt_parse(p->s + arg_start + 1, p->pos - arg_start - 2, 1);
      if (!n->u.call.fmt) return sfn_error_oom(p->err);
    }
    skip_blanks(p);
    if (p->pos >= p->len) return syntax(p, "missing ')'");
    if (p->s[p->pos] == ')') {
      p->pos++;
      return SFN_OK;
    }
    if (p->s[p->pos] != ',') return syntax(p, "expected ',' or ')' after an argument");
    p->pos++;
    skip_blanks(p);
    if (p->pos >= p->len || p->s[p->pos] == ')') return syntax(p, "missing argument after ','");
  }
}

sfn_intrinsic *sfn_intrinsic_compile(const char *text, size_t len, sfn_error *err) {
  sfn_intrinsic *f;
  parser p;
  sfn_error local = {{0}, NULL, 0, 0};
  p.s = text;
  p.len = len;
  p.pos = 0;
  p.err = &local;
  p.whole = text;
  p.whole_len = len;
  if (!sfn_intrinsic_is_call(text, len)) {
    sfn_error_set(err, "InvalidIntrinsic", "Invalid intrinsic function call '%.*s': must start with 'States.'",
                  (int)len, text);
    return NULL;
  }
  f = sfn_malloc(sizeof *f);
  if (!f) {
    sfn_error_oom(err);
    return NULL;
  }
  f->root.kind = N_LIT;
  f->root.u.lit = NULL;
  f->len = len;
  f->text = sfn_strndup(text, len);
  if (!f->text) {
    sfn_error_oom(&local);
    goto fail;
  }
  if (parse_call(&p, &f->root, 1) != SFN_OK) goto fail;
  skip_blanks(&p);
  if (p.pos != p.len) {
    syntax(&p, "unexpected text after the call");
    goto fail;
  }
  return f;
fail:
  if (!local.code[0]) sfn_error_oom(&local);
  sfn_error_move(err, &local);
  sfn_error_clear(&local);
  sfn_intrinsic_free(f);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                          */
/* ------------------------------------------------------------------ */

/* Marker code for a path argument that selected nothing: the top level
 * wraps it in "The function '...' had the following error: ...". */
static const char PATH_MISS[] = "States.Runtime#path";

static int path_miss(const sfn_path *path, sfn_eval_env *env, sfn_error *err) {
  const char *t = sfn_path_text(path);
  char *input;
  size_t ilen = 0;
  int ctx = sfn_path_is_context(path);
  if (env->input) {
    input = sfn_json_encode(env->input, &ilen, NULL);
  } else {
    input = sfn_strndup("{}", 2);
    ilen = 2;
  }
  if (!input) return sfn_error_oom(err);
  /* A `$$.x` argument is reported as `$.x`, against the state input. */
  sfn_error_set(err, PATH_MISS, "The JsonPath argument for the field '%s' could not be found in the input '%.*s'",
                ctx ? t + 1 : t, (int)ilen, input);
  sfn_free(input);
  return SFN_ERR;
}

/* A variable argument that selects nothing (or an undefined variable). */
static int var_miss(const node *n, sfn_eval_env *env, sfn_error *err) {
  const char *sub = sfn_path_text(n->u.var.sub);
  char *input;
  size_t ilen = 0;
  input = env->input ? sfn_json_encode(env->input, &ilen, NULL) : sfn_strndup("{}", 2);
  if (!input) return sfn_error_oom(err);
  if (!env->input) ilen = 2;
  sfn_error_set(err, PATH_MISS, "The JsonPath argument for the field '%s%s' could not be found in the input '%.*s'",
                n->u.var.name, sub + 1, (int)ilen, input);
  sfn_free(input);
  return SFN_ERR;
}

static int eval_node(const node *n, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  switch (n->kind) {
  case N_LIT:
    *out = sfn_incref(n->u.lit);
    return SFN_OK;
  case N_PATH: {
    int rc = sfn_path_eval(n->u.path, env, out, err);
    if (rc == SFN_OK) return SFN_OK;
    if (rc == SFN_NOTFOUND) return path_miss(n->u.path, env, err);
    return SFN_ERR;
  }
  case N_VAR: {
    sfn_value *v = sfn_eval_var(env, n->u.var.name + 1, strlen(n->u.var.name + 1));
    int rc = v ? sfn_path_eval_doc(n->u.var.sub, v, out, err) : SFN_NOTFOUND;
    if (rc == SFN_OK) return SFN_OK;
    if (rc == SFN_NOTFOUND) return var_miss(n, env, err);
    return SFN_ERR;
  }
  case N_CALL: {
    sfn_value *stack_args[STACK_ARGS], **args = stack_args;
    size_t i, na = n->u.call.nargs;
    int rc = SFN_OK;
    sfn_icall c;
    if (na > STACK_ARGS) {
      args = sfn_malloc(na * sizeof *args);
      if (!args) return sfn_error_oom(err);
    }
    for (i = 0; i < na; i++) {
      if (eval_node(&n->u.call.args[i], env, &args[i], err) != SFN_OK) {
        rc = SFN_ERR;
        break;
      }
    }
    if (rc == SFN_OK) {
      c.name = n->u.call.def->name;
      c.fmt = n->u.call.fmt;
      c.env = env;
      rc = n->u.call.def->fn(&c, args, na, out, err);
    }
    while (i > 0) sfn_decref(args[--i]);
    if (args != stack_args) sfn_free(args);
    return rc;
  }
  }
  return SFN_ERR;
}

int sfn_intrinsic_eval(const sfn_intrinsic *f, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  sfn_error local = {{0}, NULL, 0, 0};
  *out = NULL;
  if (eval_node(&f->root, env, out, &local) == SFN_OK) return SFN_OK;
  if (strcmp(local.code, PATH_MISS) == 0) {
    sfn_error_set(err, "States.Runtime", "The function '%.*s' had the following error: %s", (int)f->len, f->text,
                  local.message ? local.message : "");
    if (err && !err->message) sfn_error_oom(err);
    sfn_error_clear(&local);
  } else {
    sfn_error_move(err, &local);
  }
  return SFN_ERR;
}
