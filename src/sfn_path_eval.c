/*
 * sfn_path_eval.c: evaluating compiled JSONPath (sfn_path_impl.h) against
 * a document, filter expressions, path functions, and ResultPath's
 * placement of a value into a document (sfn_path_set).
 *
 * Semantics follow what AWS runs (Jayway JsonPath):
 *   - a definite path returns the node, or SFN_NOTFOUND when a member or
 *     index is missing or a step meets the wrong kind of node;
 *   - an indefinite path returns an array of every match, in document order,
 *     and never fails: steps that do not apply are skipped (so a path through
 *     missing members gives []);
 *   - `..` walks the tree pre-order: at each object/array it applies the
 *     next selector, then descends into the children;
 *   - a filter on an array tests each element; on an object it tests the
 *     object itself.
 * Matches are shared (incref), never copied.
 */
#include "sfn_path_impl.h"
#include "sfn_json.h"
#include "sfn_regex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct ectx {
  sfn_value *root; /* `$` inside filters */
  sfn_value *acc;  /* matches of an indefinite walk */
  int failed;      /* OOM */
} ectx;

static void walk(ectx *e, const steps *st, size_t i, sfn_value *node);
static int filter_test(ectx *e, const fexpr *f, sfn_value *node);

static void emit(ectx *e, sfn_value *v) {
  if (e->failed) return;
  if (sfn_array_push(e->acc, sfn_incref(v)) != SFN_OK) e->failed = 1;
}

static int is_container(const sfn_value *v) {
  return v->type == SFN_OBJECT || v->type == SFN_ARRAY;
}

/* Index i of an array of length n, negative counting from the end; -1 when out of range. */
static long eff_index(int64_t i, size_t n) {
  if (i < 0) i += (int64_t)n;
  return (i < 0 || i >= (int64_t)n) ? -1 : (long)i;
}

/* ['a','b'] as the last step: one object with the members present (Jayway merge). */
static sfn_value *merge_names(const step *s, sfn_value *obj) {
  sfn_value *o = sfn_object_new(s->n);
  uint32_t j;
  if (!o) return NULL;
  for (j = 0; j < s->n; j++) {
    sfn_value *k = s->u.names[j], *v = sfn_object_get(obj, sfn_str(k), sfn_strlen(k));
    if (v && sfn_object_setk(o, k, sfn_incref(v)) != SFN_OK) {
      sfn_decref(o);
      return NULL;
    }
  }
  return o;
}

/* Apply step i (ignoring its scan flag) to node, continuing with step i+1. */
static void apply(ectx *e, const steps *st, size_t i, sfn_value *node) {
  const step *s = &st->v[i];
  size_t k, n;
  uint32_t j;
  sfn_value *v;
  switch (s->kind) {
    case ST_FIELD:
      if (node->type == SFN_OBJECT &&
          (v = sfn_object_get(node, sfn_str(s->u.name), sfn_strlen(s->u.name))) != NULL)
        walk(e, st, i + 1, v);
      break;
    case ST_NAMES:
      if (node->type != SFN_OBJECT) break;
      if (i + 1 == st->n) {
        sfn_value *m = merge_names(s, node);
        if (!m) {
          e->failed = 1;
          break;
        }
        emit(e, m);
        sfn_decref(m);
        break;
      }
      for (j = 0; j < s->n; j++)
        if ((v = sfn_object_get(node, sfn_str(s->u.names[j]), sfn_strlen(s->u.names[j]))) != NULL)
          walk(e, st, i + 1, v);
      break;
    case ST_INDEX:
      if (node->type == SFN_ARRAY) {
        long x = eff_index(s->u.index, sfn_array_len(node));
        if (x >= 0) walk(e, st, i + 1, sfn_array_at(node, x));
      }
      break;
    case ST_INDEXES:
      if (node->type != SFN_ARRAY) break;
      for (j = 0; j < s->n; j++) {
        long x = eff_index(s->u.indexes[j], sfn_array_len(node));
        if (x >= 0) walk(e, st, i + 1, sfn_array_at(node, x));
      }
      break;
    case ST_WILD:
      if (node->type == SFN_OBJECT) {
        for (k = 0; k < sfn_object_len(node); k++) walk(e, st, i + 1, sfn_object_val(node, k));
      } else if (node->type == SFN_ARRAY) {
        for (k = 0; k < sfn_array_len(node); k++) walk(e, st, i + 1, sfn_array_at(node, k));
      }
      break;
    case ST_SLICE: {
      int64_t len, from, to;
      if (node->type != SFN_ARRAY) break;
      len = (int64_t)sfn_array_len(node);
      from = s->has_from ? s->u.slice.from : 0;
      to = s->has_to ? s->u.slice.to : len;
      if (from < 0) from += len;
      if (to < 0) to += len;
      if (from < 0) from = 0;
      if (to > len) to = len;
      for (; from < to; from++) walk(e, st, i + 1, sfn_array_at(node, from));
      break;
    }
    case ST_FILTER:
      if (node->type == SFN_ARRAY) {
        n = sfn_array_len(node);
        for (k = 0; k < n && !e->failed; k++)
          if (filter_test(e, s->u.filter, sfn_array_at(node, k)))
            walk(e, st, i + 1, sfn_array_at(node, k));
      } else if (node->type == SFN_OBJECT) {
        if (filter_test(e, s->u.filter, node)) walk(e, st, i + 1, node);
      }
      break;
    default:
      break; /* ST_FUNC is handled by eval_steps */
  }
}

/* Would `..` apply step s at this container? (Jayway's scan predicates.) */
static int scan_matches(ectx *e, const step *s, sfn_value *node) {
  uint32_t j;
  switch (s->kind) {
    case ST_FIELD:
      return node->type == SFN_OBJECT &&
             sfn_object_find(node, sfn_str(s->u.name), sfn_strlen(s->u.name)) >= 0;
    case ST_NAMES:
      if (node->type != SFN_OBJECT) return 0;
      for (j = 0; j < s->n; j++)
        if (sfn_object_find(node, sfn_str(s->u.names[j]), sfn_strlen(s->u.names[j])) < 0) return 0;
      return 1;
    case ST_INDEX: case ST_INDEXES: case ST_SLICE: return node->type == SFN_ARRAY;
    case ST_WILD: return 1;
    case ST_FILTER: return node->type == SFN_ARRAY || filter_test(e, s->u.filter, node);
    default: return 0;
  }
}

static void scan(ectx *e, const steps *st, size_t i, sfn_value *node) {
  size_t k;
  if (e->failed || !is_container(node)) return;
  if (scan_matches(e, &st->v[i], node)) apply(e, st, i, node);
  if (node->type == SFN_OBJECT) {
    for (k = 0; k < sfn_object_len(node); k++) scan(e, st, i, sfn_object_val(node, k));
  } else {
    for (k = 0; k < sfn_array_len(node); k++) scan(e, st, i, sfn_array_at(node, k));
  }
}

static void walk(ectx *e, const steps *st, size_t i, sfn_value *node) {
  if (e->failed) return;
  if (i == st->n || st->v[i].kind == ST_FUNC) {
    emit(e, node);
    return;
  }
  if (st->v[i].scan)
    scan(e, st, i, node);
  else
    apply(e, st, i, node);
}

/* ------------------------------------------------------------------ */
/* Functions                                                          */
/* ------------------------------------------------------------------ */

static size_t utf8_len(const char *s, size_t n) {
  size_t i, c = 0;
  for (i = 0; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
  return c;
}

/* SFN_OK with *out, SFN_NOTFOUND when the function does not apply. */
static int call_func(int fn, sfn_value *in, sfn_value **out) {
  size_t k, n, cnt = 0;
  double acc = 0, acc2 = 0, best = 0;
  *out = NULL;
  switch (fn) {
    case FN_LENGTH: case FN_SIZE:
      if (in->type == SFN_ARRAY) *out = sfn_int((int64_t)sfn_array_len(in));
      else if (in->type == SFN_OBJECT) *out = sfn_int((int64_t)sfn_object_len(in));
      else if (in->type == SFN_STRING) *out = sfn_int((int64_t)utf8_len(sfn_str(in), sfn_strlen(in)));
      else return SFN_NOTFOUND;
      return *out ? SFN_OK : SFN_ERR;
    case FN_KEYS:
      if (in->type != SFN_OBJECT) return SFN_NOTFOUND;
      if (!(*out = sfn_array_new(sfn_object_len(in)))) return SFN_ERR;
      for (k = 0; k < sfn_object_len(in); k++)
        if (sfn_array_push(*out, sfn_incref(sfn_object_key(in, k))) != SFN_OK) return SFN_ERR;
      return SFN_OK;
    case FN_FIRST: case FN_LAST:
      if (in->type != SFN_ARRAY || sfn_array_len(in) == 0) return SFN_NOTFOUND;
      *out = sfn_incref(sfn_array_at(in, fn == FN_FIRST ? 0 : sfn_array_len(in) - 1));
      return SFN_OK;
    default:
      break;
  }
  /* Numeric aggregates over the numbers of an array; the result is a double. */
  if (in->type != SFN_ARRAY) return SFN_NOTFOUND;
  n = sfn_array_len(in);
  for (k = 0; k < n; k++) {
    sfn_value *v = sfn_array_at(in, k);
    double d;
    if (!sfn_is_number(v)) continue;
    d = sfn_number(v);
    if (cnt == 0 || (fn == FN_MIN && d < best) || (fn == FN_MAX && d > best)) best = d;
    acc += d;
    acc2 += d * d;
    cnt++;
  }
  if (cnt == 0) return SFN_NOTFOUND;
  switch (fn) {
    case FN_MIN: case FN_MAX: *out = sfn_double(best); break;
    case FN_SUM: *out = sfn_double(acc); break;
    case FN_AVG: *out = sfn_double(acc / (double)cnt); break;
    default: {
      double mean = acc / (double)cnt, var = acc2 / (double)cnt - mean * mean;
      *out = sfn_double(sqrt(var > 0 ? var : 0));
      break;
    }
  }
  return *out ? SFN_OK : SFN_ERR;
}

/* ------------------------------------------------------------------ */
/* Evaluating a step sequence                                         */
/* ------------------------------------------------------------------ */

/* Definite walk without allocation: the node (borrowed) or NULL. */
static sfn_value *walk_definite(const steps *st, size_t nsteps, sfn_value *node) {
  size_t i;
  for (i = 0; i < nsteps && node; i++) {
    const step *s = &st->v[i];
    if (s->kind == ST_FIELD) {
      node = node->type == SFN_OBJECT
                 ? sfn_object_get(node, sfn_str(s->u.name), sfn_strlen(s->u.name))
                 : NULL;
    } else if (s->kind == ST_INDEX) {
      long x = node->type == SFN_ARRAY ? eff_index(s->u.index, sfn_array_len(node)) : -1;
      node = x >= 0 ? sfn_array_at(node, x) : NULL;
    } else {
      return NULL;
    }
  }
  return node;
}

/*
 * Evaluate st from base.  SFN_OK with *out (new reference), SFN_NOTFOUND
 * (definite path, nothing selected), SFN_ERR (out of memory).
 */
static int eval_steps(const steps *st, sfn_value *base, sfn_value *root, sfn_value **out) {
  size_t n = st->n;
  int fn = -1, rc;
  sfn_value *res;
  *out = NULL;
  if (n && st->v[n - 1].kind == ST_FUNC) fn = st->v[--n].u.func;
  if (st->definite && (n == 0 || st->v[n - 1].kind != ST_NAMES)) {
    res = walk_definite(st, n, base);
    if (!res) return SFN_NOTFOUND;
    sfn_incref(res);
  } else if (st->definite) {
    /* Definite prefix, then a merging ['a','b']. */
    sfn_value *node = walk_definite(st, n - 1, base);
    if (!node || node->type != SFN_OBJECT) return SFN_NOTFOUND;
    if (!(res = merge_names(&st->v[n - 1], node))) return SFN_ERR;
  } else {
    ectx e;
    e.root = root;
    e.failed = 0;
    if (!(e.acc = sfn_array_new(0))) return SFN_ERR;
    walk(&e, st, 0, base);
    if (e.failed) {
      sfn_decref(e.acc);
      return SFN_ERR;
    }
    res = e.acc;
  }
  if (fn < 0) {
    *out = res;
    return SFN_OK;
  }
  rc = call_func(fn, res, out);
  sfn_decref(res);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Filters                                                            */
/* ------------------------------------------------------------------ */

/* Operand value: new reference, or NULL for "undefined" (missing path). */
static sfn_value *operand_value(ectx *e, const foperand *o, sfn_value *node) {
  sfn_value *v = NULL;
  int rc;
  if (o->lit) return sfn_incref(o->lit);
  rc = eval_steps(&o->path, o->from_root ? e->root : node, e->root, &v);
  if (rc == SFN_ERR) e->failed = 1;
  return rc == SFN_OK ? v : NULL;
}

/* Parse a whole string as a number (Jayway compares 5 == '5' numerically). */
static int string_number(const sfn_value *s, double *d) {
  char buf[64], *end;
  size_t n = sfn_strlen(s);
  if (n == 0 || n >= sizeof buf) return 0;
  memcpy(buf, sfn_str(s), n);
  buf[n] = '\0';
  *d = strtod(buf, &end);
  return *end == '\0';
}

static int values_eq(sfn_value *a, sfn_value *b) {
  double d;
  if (sfn_is_number(a) && b->type == SFN_STRING)
    return string_number(b, &d) && d == sfn_number(a);
  if (a->type == SFN_STRING && sfn_is_number(b)) {
    sfn_buf t;
    int eq;
    sfn_buf_init(&t);
    if (sfn_json_encode_buf(b, &t, NULL) != SFN_OK) {
      sfn_buf_free(&t);
      return 0;
    }
    eq = t.len == sfn_strlen(a) && memcmp(t.data, sfn_str(a), t.len) == 0;
    sfn_buf_free(&t);
    return eq;
  }
  return sfn_value_equal(a, b);
}

/* -1 / 0 / 1, or 2 when a and b are not comparable. */
static int values_cmp(const sfn_value *a, const sfn_value *b) {
  if (sfn_is_number(a) && sfn_is_number(b)) {
    if (a->type == SFN_INT && b->type == SFN_INT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    {
      double x = sfn_number(a), y = sfn_number(b);
      return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
    }
  }
  if (a->type == SFN_STRING && b->type == SFN_STRING) {
    size_t la = sfn_strlen(a), lb = sfn_strlen(b);
    int c = memcmp(sfn_str(a), sfn_str(b), la < lb ? la : lb);
    if (c) return c < 0 ? -1 : 1;
    return la < lb ? -1 : la > lb;
  }
  return 2;
}

static int array_has(const sfn_value *arr, sfn_value *v) {
  size_t k;
  for (k = 0; k < sfn_array_len(arr); k++)
    if (values_eq(v, sfn_array_at(arr, k))) return 1;
  return 0;
}

static int compare(const fexpr *f, sfn_value *l, sfn_value *r) {
  size_t k, n;
  int c;
  if (f->op == OP_NE || f->op == OP_NIN) {
    /* Jayway: the negation of == / in, so an undefined side makes them true. */
    if (!l || !r) return 1;
    if (f->op == OP_NE) return !values_eq(l, r);
    return r->type == SFN_ARRAY ? !array_has(r, l) : 1;
  }
  if (!l || !r) return 0;
  switch (f->op) {
    case OP_EQ: return values_eq(l, r);
    case OP_LT: return values_cmp(l, r) == -1;
    case OP_LE: c = values_cmp(l, r); return c == -1 || c == 0;
    case OP_GT: return values_cmp(l, r) == 1;
    case OP_GE: c = values_cmp(l, r); return c == 1 || c == 0;
    case OP_IN: return r->type == SFN_ARRAY && array_has(r, l);
    case OP_CONTAINS:
      if (l->type == SFN_ARRAY) return array_has(l, r);
      if (l->type == SFN_STRING && r->type == SFN_STRING) {
        size_t ln = sfn_strlen(l), rn = sfn_strlen(r);
        if (rn == 0) return 1;
        for (k = 0; k + rn <= ln; k++)
          if (memcmp(sfn_str(l) + k, sfn_str(r), rn) == 0) return 1;
      }
      return 0;
    case OP_SIZE:
      if (!sfn_is_number(r)) return 0;
      if (l->type == SFN_ARRAY) return (double)sfn_array_len(l) == sfn_number(r);
      if (l->type == SFN_STRING) return (double)utf8_len(sfn_str(l), sfn_strlen(l)) == sfn_number(r);
      return 0;
    case OP_EMPTY:
      if (r->type != SFN_BOOL) return 0;
      if (l->type == SFN_ARRAY) return (sfn_array_len(l) == 0) == (r->u.b != 0);
      if (l->type == SFN_STRING) return (sfn_strlen(l) == 0) == (r->u.b != 0);
      return 0;
    case OP_ANYOF: case OP_NONEOF: case OP_SUBSETOF: {
      int any = 0, all = 1;
      if (l->type != SFN_ARRAY || r->type != SFN_ARRAY) return 0;
      n = sfn_array_len(l);
      for (k = 0; k < n; k++) {
        if (array_has(r, sfn_array_at(l, k))) any = 1;
        else all = 0;
      }
      return f->op == OP_ANYOF ? any : f->op == OP_NONEOF ? !any : all;
    }
    case OP_REGEX:
      if (l->type != SFN_STRING) return 0;
      return sfn_regex_match(sfn_str(r), sfn_strlen(r), f->icase, sfn_str(l), sfn_strlen(l)) == 1;
    default:
      return 0;
  }
}

static int filter_test(ectx *e, const fexpr *f, sfn_value *node) {
  sfn_value *l, *r;
  int res;
  if (e->failed) return 0;
  switch (f->kind) {
    case FX_OR: return filter_test(e, f->a, node) || filter_test(e, f->b, node);
    case FX_AND: return filter_test(e, f->a, node) && filter_test(e, f->b, node);
    case FX_NOT: return !filter_test(e, f->a, node);
    case FX_EXISTS:
      l = operand_value(e, &f->left, node);
      res = l != NULL;
      sfn_decref(l);
      return res;
    default:
      l = operand_value(e, &f->left, node);
      r = operand_value(e, &f->right, node);
      res = compare(f, l, r);
      sfn_decref(l);
      sfn_decref(r);
      return res;
  }
}

/* ------------------------------------------------------------------ */
/* Public API                                                         */
/* ------------------------------------------------------------------ */

int sfn_path_eval_doc(const sfn_path *p, sfn_value *doc, sfn_value **out, sfn_error *err) {
  int rc;
  *out = NULL;
  rc = eval_steps(&p->body, doc, doc, out);
  if (rc == SFN_ERR) return sfn_error_oom(err);
  return rc;
}

/* The context object when the host gave none: an empty object singleton. */
static sfn_value empty_context = {SFN_RC_STATIC, SFN_OBJECT, {0}};

int sfn_path_eval(const sfn_path *p, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  sfn_value *doc;
  if (p->var) {
    doc = sfn_eval_var(env, p->var, p->var_len);
    if (!doc) {
      *out = NULL;
      return SFN_NOTFOUND;
    }
  } else if (p->context)
    doc = env->context ? env->context : &empty_context;
  else
    doc = env->input ? env->input : sfn_null();
  return sfn_path_eval_doc(p, doc, out, err);
}

void sfn_path_explain_miss(const sfn_path *p, sfn_value *doc, sfn_buf *b) {
  size_t i;
  sfn_value *node = doc;
  const steps *st = &p->body;
  if (st->definite) {
    for (i = 0; i < st->n; i++) {
      const step *s = &st->v[i];
      if (s->kind == ST_FIELD && node->type == SFN_OBJECT) {
        sfn_value *v = sfn_object_get(node, sfn_str(s->u.name), sfn_strlen(s->u.name));
        if (!v) {
          if (i + 1 == st->n || st->v[i + 1].kind == ST_FUNC) break;
          /* "Missing property in path $['a']": the path up to this member. */
          sfn_buf_adds(b, "Missing property in path ");
          sfn_buf_adds(b, p->context ? "$$" : "$");
          if (p->var) sfn_buf_add(b, p->var, p->var_len);
          {
            size_t j;
            for (j = 0; j <= i; j++) {
              const step *t = &st->v[j];
              if (t->kind == ST_FIELD) {
                sfn_buf_add(b, "['", 2);
                sfn_buf_add(b, sfn_str(t->u.name), sfn_strlen(t->u.name));
                sfn_buf_add(b, "']", 2);
              } else {
                sfn_buf_printf(b, "[%lld]", (long long)t->u.index);
              }
            }
          }
          return;
        }
        node = v;
      } else if (s->kind == ST_INDEX && node->type == SFN_ARRAY) {
        long x = eff_index(s->u.index, sfn_array_len(node));
        if (x < 0) break;
        node = sfn_array_at(node, x);
      } else {
        break;
      }
    }
  }
  sfn_buf_adds(b, "No results for path: ");
  sfn_buf_adds(b, p->normalized);
}

/* ------------------------------------------------------------------ */
/* ResultPath                                                         */
/* ------------------------------------------------------------------ */

typedef struct setctx {
  const sfn_path *p;
  sfn_value *doc, *value;
  sfn_error *err;
} setctx;

static int conflict(setctx *c, size_t i) {
  sfn_buf b;
  const step *s = &c->p->body.v[i];
  sfn_buf_init(&b);
  if (i == 0) {
    sfn_buf_adds(&b, "Unable to apply ReferencePath ");
    sfn_buf_adds(&b, c->p->text);
  } else if (s->kind == ST_FIELD) {
    sfn_buf_adds(&b, "Unable to apply step \"");
    sfn_buf_add(&b, sfn_str(s->u.name), sfn_strlen(s->u.name));
    sfn_buf_addc(&b, '"');
  } else {
    sfn_buf_printf(&b, "Unable to apply step \"[%lld]\"", (long long)s->u.index);
  }
  sfn_buf_adds(&b, " to input ");
  if (sfn_json_encode_buf(c->doc, &b, NULL) != SFN_OK || b.oom) {
    sfn_buf_free(&b);
    return sfn_error_oom(c->err);
  }
  sfn_error_set(c->err, "States.ReferencePathConflict", "%.*s", (int)b.len, b.data);
  sfn_buf_free(&b);
  return SFN_ERR;
}

/* node with step i..n replaced by value; node may be NULL (missing: build objects). */
static int set_at(setctx *c, size_t i, sfn_value *node, sfn_value **out) {
  const step *s = &c->p->body.v[i];
  int last = i + 1 == c->p->body.n;
  sfn_value *copy, *child, *sub = NULL;
  if (s->kind == ST_FIELD) {
    if (node && node->type != SFN_OBJECT) return conflict(c, i);
    copy = node ? sfn_value_copy(node, 1) : sfn_object_new(1);
    if (!copy) return sfn_error_oom(c->err);
    child = node ? sfn_object_get(node, sfn_str(s->u.name), sfn_strlen(s->u.name)) : NULL;
    if (last) {
      sub = sfn_incref(c->value);
    } else if (set_at(c, i + 1, child, &sub) != SFN_OK) {
      sfn_decref(copy);
      return SFN_ERR;
    }
    if (sfn_object_setk(copy, s->u.name, sub) != SFN_OK) {
      sfn_decref(copy);
      return sfn_error_oom(c->err);
    }
    *out = copy;
    return SFN_OK;
  } else {
    long x;
    if (!node || node->type != SFN_ARRAY) return conflict(c, i);
    x = eff_index(s->u.index, sfn_array_len(node));
    if (x < 0) return conflict(c, i);
    if (!(copy = sfn_value_copy(node, 0))) return sfn_error_oom(c->err);
    if (last) {
      sub = sfn_incref(c->value);
    } else if (set_at(c, i + 1, sfn_array_at(node, x), &sub) != SFN_OK) {
      sfn_decref(copy);
      return SFN_ERR;
    }
    sfn_decref(copy->u.a.items[x]);
    copy->u.a.items[x] = sub;
    *out = copy;
    return SFN_OK;
  }
}

int sfn_path_set(const sfn_path *p, sfn_value *doc, sfn_value *value, sfn_value **out,
                 sfn_error *err) {
  setctx c;
  size_t i;
  *out = NULL;
  if (p->context)
    return sfn_error_set(err, "States.Runtime", "The path '%s' refers to the context object", p->text);
  for (i = 0; i < p->body.n; i++)
    if (p->body.v[i].scan || (p->body.v[i].kind != ST_FIELD && p->body.v[i].kind != ST_INDEX))
      return sfn_error_set(err, "States.Runtime", "The path '%s' is not a reference path", p->text);
  if (p->body.n == 0) {
    *out = sfn_incref(value);
    return SFN_OK;
  }
  c.p = p;
  c.doc = doc;
  c.value = value;
  c.err = err;
  return set_at(&c, 0, doc, out);
}
