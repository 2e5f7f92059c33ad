/*
 * sfn_jsonata.c: JSONata's evaluator (paths and sequences, tuple streams for
 * focus/index/parent bindings, predicates, group-by, order-by, operators,
 * blocks, bindings, conditions, transforms) and the public API of
 * sfn_jsonata.h.  Function application and the built-ins the evaluator owns
 * are in sfn_jsonata_call.c.
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_DEPTH 500
#define MAX_DEPTH_CAP 3000
#define DEFAULT_STEPS 10000000ull
#define MEMORY_LIMIT ((size_t)768 * 1024 * 1024)

void jerr(jctx *c, const char *code, int pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sfn_error_setv(c->A.err, code, fmt, ap);
  va_end(ap);
  if (c->A.err) c->A.err->column = pos;
  longjmp(*c->A.jb, 1);
}

/* ---- sequences ---- */

jv *jappend(jctx *c, jv *a, jv *b) {
  jv *r;
  size_t i;
  if (!a) return b;
  if (!b) return a;
  r = jv_arr(&c->A, (IS_ARR(a) ? a->u.a.n : 1) + (IS_ARR(b) ? b->u.a.n : 1));
  if (IS_ARR(a))
    for (i = 0; i < a->u.a.n; i++) r->u.a.it[r->u.a.n++] = a->u.a.it[i];
  else
    r->u.a.it[r->u.a.n++] = a;
  if (IS_ARR(b))
    for (i = 0; i < b->u.a.n; i++) r->u.a.it[r->u.a.n++] = b->u.a.it[i];
  else
    r->u.a.it[r->u.a.n++] = b;
  return r;
}

static jv *lookup_field(jctx *c, jv *input, const char *k, size_t klen, int depth) {
  size_t i, j;
  if (!input) return NULL;
  if (input->t == JV_ARR) {
    jv *r = jv_seq(&c->A, input->u.a.n);
    if (depth > JV_MAX_NEST) jerr(c, "U1001", 0, "Stack overflow error: value nested too deeply");
    for (i = 0; i < input->u.a.n; i++) {
      jv *x = lookup_field(c, input->u.a.it[i], k, klen, depth + 1);
      if (!x) continue;
      if (x->t == JV_ARR)
        for (j = 0; j < x->u.a.n; j++) jv_push(&c->A, r, x->u.a.it[j]);
      else
        jv_push(&c->A, r, x);
    }
    return r;
  }
  if (input->t == JV_OBJ) return jv_get(input, k, klen);
  return NULL;
}

jv *jlookup_key(jctx *c, jv *input, const char *k, size_t klen) {
  return lookup_field(c, input, k, klen, 0);
}

static jframe *frame_from_tuple(jctx *c, jframe *env, jv *tuple) {
  jframe *f = jframe_new(&c->A, env);
  size_t i;
  if (tuple && tuple->t == JV_OBJ)
    for (i = 0; i < tuple->u.o->n; i++) jframe_bind(&c->A, f, tuple->u.o->m[i].k, tuple->u.o->m[i].klen, tuple->u.o->m[i].v);
  return f;
}

static jv *tuple_ctx(jv *tuple) {
  return tuple && tuple->t == JV_OBJ ? jv_get(tuple, "@", 1) : NULL;
}

static jv *as_seq(jctx *c, jv *v) {
  jv *s;
  if (IS_ARR(v)) return v;
  s = jv_seq(&c->A, 1);
  jv_push(&c->A, s, v);
  return s;
}

static int is_num_array(const jv *v) {
  size_t i;
  if (!IS_ARR(v)) return 0;
  for (i = 0; i < v->u.a.n; i++)
    if (!v->u.a.it[i] || v->u.a.it[i]->t != JV_NUM) return 0;
  return 1;
}

/* ---- predicates ---- */

static jv *eval_filter(jctx *c, const jnode *pred, jv *input, jframe *env) {
  jv *results = jv_seq(&c->A, 0);
  size_t i, j, n;
  int tuple = input && input->t == JV_ARR && (input->flags & JF_TUPLE);
  if (tuple) results->flags |= JF_TUPLE;
  input = as_seq(c, input);
  n = input->u.a.n;
  if (pred->type == N_NUMBER) {
    double d = floor(pred->lit->u.n);
    jv *item;
    if (d < 0) d += (double)n;
    if (d >= 0 && d < (double)n) {
      item = input->u.a.it[(size_t)d];
      if (item) {
        if (IS_ARR(item)) results = item;
        else jv_push(&c->A, results, item);
      }
    }
    return results;
  }
  for (i = 0; i < n; i++) {
    jv *item = input->u.a.it[i], *ctx = item, *res;
    jframe *e = env;
    if (tuple) {
      ctx = tuple_ctx(item);
      e = frame_from_tuple(c, env, item);
    }
    res = jeval(c, pred, ctx, e);
    if (res && res->t == JV_NUM) {
      double d = floor(res->u.n);
      if (d < 0) d += (double)n;
      if (d == (double)i) jv_push(&c->A, results, item);
    } else if (res && res->t == JV_ARR && res->u.a.n > 0 && is_num_array(res)) {
      for (j = 0; j < res->u.a.n; j++) {
        double d = floor(res->u.a.it[j]->u.n);
        if (d < 0) d += (double)n;
        if (d == (double)i) jv_push(&c->A, results, item);
      }
    } else if (jv_boolean(res) == 1) {
      jv_push(&c->A, results, item);
    }
  }
  return results;
}

/* ---- order-by ---- */

typedef struct sort_item {
  jv *item;
  jv **keys;
} sort_item;

typedef struct sort_ud {
  const jnode *step;
} sort_ud;

static int key_cmp(jctx *c, const jnode *step, sort_item *a, sort_item *b) {
  int t, comp = 0;
  for (t = 0; comp == 0 && t < step->nkids; t++) {
    jv *aa = a->keys[t], *bb = b->keys[t];
    if (!aa) {
      comp = bb ? 1 : 0;
      continue;
    }
    if (!bb) {
      comp = -1;
      continue;
    }
    if ((aa->t != JV_NUM && aa->t != JV_STR) || (bb->t != JV_NUM && bb->t != JV_STR))
      jerr(c, "T2008", step->pos,
           "The expressions within an order-by clause must evaluate to numeric or string values");
    if (aa->t != bb->t)
      jerr(c, "T2007", step->pos, "Type mismatch when comparing values %s and %s in order-by clause",
           jv_describe(&c->A, aa), jv_describe(&c->A, bb));
    if (aa->t == JV_NUM) comp = aa->u.n == bb->u.n ? 0 : aa->u.n < bb->u.n ? -1 : 1;
    else {
      size_t l = aa->u.s.len < bb->u.s.len ? aa->u.s.len : bb->u.s.len;
      int m = memcmp(aa->u.s.p, bb->u.s.p, l);
      comp = m ? (m < 0 ? -1 : 1) : aa->u.s.len == bb->u.s.len ? 0 : aa->u.s.len < bb->u.s.len ? -1 : 1;
    }
    if (step->kids[t]->descending) comp = -comp;
  }
  return comp == 1;
}

static void msort_items(jctx *c, const jnode *step, sort_item *a, sort_item *tmp, size_t n) {
  size_t mid = n / 2, i = 0, j = mid, k = 0;
  if (n <= 1) return;
  msort_items(c, step, a, tmp, mid);
  msort_items(c, step, a + mid, tmp, n - mid);
  while (i < mid && j < n) {
    if (key_cmp(c, step, &a[i], &a[j])) tmp[k++] = a[j++];
    else tmp[k++] = a[i++];
  }
  while (i < mid) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof *a);
}

static jv *eval_sort(jctx *c, const jnode *step, jv *input, jframe *env) {
  size_t n, i;
  int t, tuple;
  sort_item *items, *tmp;
  jv *r;
  if (!input) return NULL;
  input = as_seq(c, input);
  tuple = (input->flags & JF_TUPLE) != 0;
  n = input->u.a.n;
  items = ja_alloc(&c->A, (n + 1) * sizeof *items);
  tmp = ja_alloc(&c->A, (n + 1) * sizeof *tmp);
  for (i = 0; i < n; i++) {
    jv *ctx = input->u.a.it[i];
    jframe *e = env;
    items[i].item = ctx;
    items[i].keys = ja_alloc(&c->A, (size_t)(step->nkids + 1) * sizeof(jv *));
    if (tuple) {
      e = frame_from_tuple(c, env, ctx);
      ctx = tuple_ctx(ctx);
    }
    for (t = 0; t < step->nkids; t++) items[i].keys[t] = jeval(c, step->kids[t]->lhs, ctx, e);
  }
  msort_items(c, step, items, tmp, n);
  r = jv_seq(&c->A, n);
  for (i = 0; i < n; i++) r->u.a.it[i] = items[i].item;
  r->u.a.n = n;
  if (tuple) r->flags |= JF_TUPLE;
  return r;
}

/* ---- group-by / object constructor ---- */

static jv *eval_group(jctx *c, jnode **pairs, int npairs, int pos, jv *input, jframe *env) {
  jv *result = jv_obj(&c->A, 0);
  jv *groups = jv_obj(&c->A, 0); /* key -> [data, exprIndex] as a 2-item array */
  int reduce = IS_ARR(input) && (input->flags & JF_TUPLE);
  size_t i, g;
  int p;
  input = as_seq(c, input);
  if (input->u.a.n == 0) {
    jv *s = jv_seq(&c->A, 1);
    jv_push(&c->A, s, NULL);
    input = s;
  }
  for (i = 0; i < input->u.a.n; i++) {
    jv *item = input->u.a.it[i];
    jframe *e = reduce ? frame_from_tuple(c, env, item) : env;
    for (p = 0; p < npairs; p++) {
      jv *key = jeval(c, pairs[2 * p], reduce ? tuple_ctx(item) : item, e), *entry;
      if (!key) continue;
      if (key->t != JV_STR)
        jerr(c, "T1003", pos, "Key in object structure must evaluate to a string; got: %s", jv_describe(&c->A, key));
      entry = jv_get(groups, key->u.s.p, key->u.s.len);
      if (entry) {
        if ((int)entry->u.a.it[1]->u.n != p)
          jerr(c, "D1009", pos, "Multiple key definitions evaluate to same key: %s", jv_describe(&c->A, key));
        entry->u.a.it[0] = jappend(c, entry->u.a.it[0], item);
      } else {
        entry = jv_arr(&c->A, 2);
        entry->u.a.it[0] = item;
        entry->u.a.it[1] = jv_num(&c->A, p);
        entry->u.a.n = 2;
        jv_set(&c->A, groups, key->u.s.p, key->u.s.len, entry);
      }
    }
  }
  for (g = 0; g < groups->u.o->n; g++) {
    jv *entry = groups->u.o->m[g].v, *ctx = entry->u.a.it[0], *val;
    jframe *e = env;
    if (reduce) {
      /* merge the tuples of the group: every binding becomes the sequence of its values */
      jv *tup = jv_obj(&c->A, 0), *data = entry->u.a.it[0];
      size_t k, m;
      if (IS_ARR(data)) {
        for (k = 0; k < data->u.a.n; k++) {
          jv *t = data->u.a.it[k];
          if (!t || t->t != JV_OBJ) continue;
          for (m = 0; m < t->u.o->n; m++) {
            jv *cur = k == 0 ? NULL : jv_get(tup, t->u.o->m[m].k, t->u.o->m[m].klen);
            jv_set(&c->A, tup, t->u.o->m[m].k, t->u.o->m[m].klen, k == 0 ? t->u.o->m[m].v : jappend(c, cur, t->u.o->m[m].v));
          }
        }
      } else if (data && data->t == JV_OBJ) {
        tup = data;
      }
      ctx = jv_get(tup, "@", 1);
      e = frame_from_tuple(c, env, tup);
    }
    val = jeval(c, pairs[2 * (int)entry->u.a.it[1]->u.n + 1], ctx, e);
    if (val) jv_set(&c->A, result, groups->u.o->m[g].k, groups->u.o->m[g].klen, val);
  }
  return result;
}

/* ---- path steps ---- */

static jv *eval_stages(jctx *c, const jnode *step, jv *input, jframe *env) {
  int s;
  size_t i;
  for (s = 0; s < step->nstages; s++) {
    const jstage *st = &step->stages[s];
    if (!st->is_index) {
      input = eval_filter(c, st->expr, input, env);
    } else if (IS_ARR(input)) {
      for (i = 0; i < input->u.a.n; i++) {
        jv *t = input->u.a.it[i];
        if (t && t->t == JV_OBJ) jv_set(&c->A, t, st->var, st->vlen, jv_num(&c->A, (double)i));
      }
    }
  }
  return input;
}

static jv *eval_step(jctx *c, const jnode *step, jv *input, jframe *env, int last) {
  jv *result, *out;
  size_t i, j;
  int s;
  if (step->type == N_SORT) {
    result = eval_sort(c, step, input, env);
    if (step->nstages) result = eval_stages(c, step, result, env);
    return result;
  }
  result = jv_seq(&c->A, 0);
  if (IS_ARR(input))
    for (i = 0; i < input->u.a.n; i++) {
      jv *res = jeval(c, step, input->u.a.it[i], env);
      for (s = 0; s < step->nstages; s++) res = eval_filter(c, step->stages[s].expr, res, env);
      if (res) jv_push(&c->A, result, res);
    }
  if (last && result->u.a.n == 1 && IS_ARR(result->u.a.it[0]) && !IS_SEQ(result->u.a.it[0])) return result->u.a.it[0];
  out = jv_seq(&c->A, result->u.a.n);
  for (i = 0; i < result->u.a.n; i++) {
    jv *r = result->u.a.it[i];
    if (!IS_ARR(r) || (r->flags & JF_CONS)) jv_push(&c->A, out, r);
    else
      for (j = 0; j < r->u.a.n; j++) jv_push(&c->A, out, r->u.a.it[j]);
  }
  return out;
}

static jv *copy_tuple(jctx *c, jv *t) {
  jv *r = jv_obj(&c->A, t && t->t == JV_OBJ ? t->u.o->n + 2 : 2);
  size_t i;
  if (t && t->t == JV_OBJ)
    for (i = 0; i < t->u.o->n; i++) jv_set(&c->A, r, t->u.o->m[i].k, t->u.o->m[i].klen, t->u.o->m[i].v);
  return r;
}

static jv *eval_tuple_step(jctx *c, const jnode *step, jv *input, jv *tuples, jframe *env) {
  jv *result;
  size_t e, b, i;
  if (step->type == N_SORT) {
    if (tuples) {
      result = eval_sort(c, step, tuples, env);
    } else {
      jv *sorted = eval_sort(c, step, input, env);
      result = jv_seq(&c->A, 0);
      result->flags |= JF_TUPLE;
      if (sorted)
        for (i = 0; i < sorted->u.a.n; i++) {
          jv *t = jv_obj(&c->A, 2);
          jv_set(&c->A, t, "@", 1, sorted->u.a.it[i]);
          if (step->index) jv_set(&c->A, t, step->index, step->ilen, jv_num(&c->A, (double)i));
          jv_push(&c->A, result, t);
        }
    }
    if (step->nstages) result = eval_stages(c, step, result, env);
    return result;
  }
  result = jv_seq(&c->A, 0);
  result->flags |= JF_TUPLE;
  if (!tuples) {
    tuples = jv_seq(&c->A, 0);
    if (IS_ARR(input))
      for (i = 0; i < input->u.a.n; i++) {
        jv *t = jv_obj(&c->A, 1);
        jv_set(&c->A, t, "@", 1, input->u.a.it[i]);
        jv_push(&c->A, tuples, t);
      }
  }
  for (e = 0; e < tuples->u.a.n; e++) {
    jv *tb = tuples->u.a.it[e], *res;
    jframe *senv = frame_from_tuple(c, env, tb);
    res = jeval(c, step, tuple_ctx(tb), senv);
    if (!res) continue;
    if (!IS_ARR(res)) {
      jv *a = jv_arr(&c->A, 1);
      jv_push(&c->A, a, res);
      res = a;
    }
    for (b = 0; b < res->u.a.n; b++) {
      jv *t = copy_tuple(c, tb);
      if (res->flags & JF_TUPLE) {
        jv *rt = res->u.a.it[b];
        if (rt && rt->t == JV_OBJ)
          for (i = 0; i < rt->u.o->n; i++) jv_set(&c->A, t, rt->u.o->m[i].k, rt->u.o->m[i].klen, rt->u.o->m[i].v);
      } else {
        if (step->focus) {
          jv_set(&c->A, t, step->focus, step->flen, res->u.a.it[b]);
          jv_set(&c->A, t, "@", 1, tuple_ctx(tb));
        } else {
          jv_set(&c->A, t, "@", 1, res->u.a.it[b]);
        }
        if (step->index) jv_set(&c->A, t, step->index, step->ilen, jv_num(&c->A, (double)b));
        if (step->ancestor) jv_set(&c->A, t, step->ancestor->label, step->ancestor->llen, tuple_ctx(tb));
      }
      jv_push(&c->A, result, t);
    }
  }
  if (step->nstages) result = eval_stages(c, step, result, env);
  return result;
}

static jv *eval_path(jctx *c, const jnode *n, jv *input, jframe *env) {
  jv *inseq, *res = NULL, *tuples = NULL;
  int i, is_tuple = 0;
  if (IS_ARR(input) && n->kids[0]->type != N_VARIABLE) inseq = input;
  else {
    inseq = jv_seq(&c->A, 1);
    jv_push(&c->A, inseq, input);
  }
  for (i = 0; i < n->nkids; i++) {
    const jnode *step = n->kids[i];
    if (step->tuple) is_tuple = 1;
    if (i == 0 && step->consarray) res = jeval(c, step, inseq, env);
    else if (is_tuple) tuples = eval_tuple_step(c, step, inseq, tuples, env);
    else res = eval_step(c, step, inseq, env, i == n->nkids - 1);
    if (!is_tuple && (!res || (IS_ARR(res) && res->u.a.n == 0))) break;
    if (!step->focus) inseq = res;
  }
  if (is_tuple) {
    if (n->tuple) res = tuples;
    else {
      size_t k;
      res = jv_seq(&c->A, tuples ? tuples->u.a.n : 0);
      if (tuples)
        for (k = 0; k < tuples->u.a.n; k++) jv_push(&c->A, res, tuple_ctx(tuples->u.a.it[k]));
    }
  }
  if (n->keep_singleton && res) {
    if (IS_ARR(res) && (res->flags & JF_CONS) && !(res->flags & JF_SEQ)) {
      jv *s = jv_seq(&c->A, 1);
      jv_push(&c->A, s, res);
      res = s;
    }
    if (IS_ARR(res)) {
      if (res->flags & JF_SHARED) { /* a cached input array: mark a copy, not it */
        jv *cp = jv_arr(&c->A, res->u.a.n);
        memcpy(cp->u.a.it, res->u.a.it, res->u.a.n * sizeof(jv *));
        cp->u.a.n = res->u.a.n;
        cp->flags = (uint8_t)(res->flags & ~JF_SHARED);
        res = cp;
      }
      res->flags |= JF_KEEP;
    }
  }
  if (n->has_group) res = eval_group(c, n->gpairs, n->ngpairs, n->group_pos, is_tuple ? tuples : res, env);
  return res;
}

/* ---- other node types ---- */

static void flatten_into(jctx *c, jv *r, jv *v, int depth) {
  size_t i;
  if (depth > JV_MAX_NEST) jerr(c, "U1001", 0, "Stack overflow error: value nested too deeply");
  if (IS_ARR(v))
    for (i = 0; i < v->u.a.n; i++) flatten_into(c, r, v->u.a.it[i], depth + 1);
  else
    jv_push(&c->A, r, v);
}

static jv *eval_wildcard(jctx *c, jv *input) {
  jv *r = jv_seq(&c->A, 0);
  size_t i, n;
  if (IS_ARR(input) && (input->flags & JF_OUTER) && input->u.a.n > 0) input = input->u.a.it[0];
  if (!input || (input->t != JV_OBJ && input->t != JV_ARR)) return r;
  n = input->t == JV_OBJ ? input->u.o->n : input->u.a.n;
  for (i = 0; i < n; i++) {
    jv *v = input->t == JV_OBJ ? input->u.o->m[i].v : input->u.a.it[i];
    if (IS_ARR(v)) {
      flatten_into(c, r, v, 0);
      r->flags &= (uint8_t)~JF_SEQ; /* JavaScript's concat gives a plain array */
    } else if (v) {
      jv_push(&c->A, r, v);
    }
  }
  return r;
}

static void descend(jctx *c, jv *v, jv *r, int depth) {
  size_t i;
  if (!v) return;
  if (depth > JV_MAX_NEST) jerr(c, "U1001", 0, "Stack overflow error: value nested too deeply");
  if (v->t != JV_ARR) jv_push(&c->A, r, v);
  if (v->t == JV_ARR)
    for (i = 0; i < v->u.a.n; i++) descend(c, v->u.a.it[i], r, depth + 1);
  else if (v->t == JV_OBJ)
    for (i = 0; i < v->u.o->n; i++) descend(c, v->u.o->m[i].v, r, depth + 1);
}

static jv *eval_descendants(jctx *c, jv *input) {
  jv *r;
  if (!input) return NULL;
  r = jv_seq(&c->A, 0);
  descend(c, input, r, 0);
  return r->u.a.n == 1 ? r->u.a.it[0] : r;
}

static int num_ok(jctx *c, jv *v) {
  if (v && v->t == JV_NUM) {
    if (!isfinite(v->u.n)) jerr(c, "D1001", 0, "Number out of range: %g", v->u.n);
    return 1;
  }
  return 0;
}

static int str_cmp(const jv *a, const jv *b) {
  size_t l = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
  int m = memcmp(a->u.s.p, b->u.s.p, l);
  if (m) return m < 0 ? -1 : 1;
  return a->u.s.len == b->u.s.len ? 0 : a->u.s.len < b->u.s.len ? -1 : 1;
}

static jv *eval_binary(jctx *c, const jnode *n, jv *input, jframe *env) {
  jv *l = jeval(c, n->lhs, input, env), *r;
  int op = n->op;
  if (op == OP_AND || op == OP_OR) {
    int lb = jv_boolean(l) == 1;
    if (op == OP_AND) return JBOOL(lb && jv_boolean(jeval(c, n->rhs, input, env)) == 1);
    return JBOOL(lb || jv_boolean(jeval(c, n->rhs, input, env)) == 1);
  }
  r = jeval(c, n->rhs, input, env);
  switch (op) {
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: {
    double a, b, x = 0;
    if (l && !num_ok(c, l))
      jerr(c, "T2001", n->pos, "The left side of the \"%s\" operator must evaluate to a number", n->str);
    if (r && !num_ok(c, r))
      jerr(c, "T2002", n->pos, "The right side of the \"%s\" operator must evaluate to a number", n->str);
    if (!l || !r) return NULL;
    a = l->u.n;
    b = r->u.n;
    switch (op) {
    case OP_ADD: x = a + b; break;
    case OP_SUB: x = a - b; break;
    case OP_MUL: x = a * b; break;
    case OP_DIV: x = a / b; break;
    case OP_MOD: x = fmod(a, b); break;
    }
    return jv_num(&c->A, x);
  }
  case OP_EQ:
  case OP_NE: {
    int eq;
    if (!l || !r) return JFALSE;
    eq = jv_equal(&c->A, l, r, 0);
    return JBOOL(op == OP_EQ ? eq : !eq);
  }
  case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
    int lc = !l || l->t == JV_STR || num_ok(c, l), rc = !r || r->t == JV_STR || num_ok(c, r), cmp;
    if (!lc || !rc)
      jerr(c, "T2010", n->pos, "The expressions either side of operator \"%s\" must evaluate to numeric or string values",
           n->str);
    if (!l || !r) return NULL;
    if (l->t != r->t)
      jerr(c, "T2009", n->pos, "The values %s and %s either side of operator \"%s\" must be of the same data type",
           jv_describe(&c->A, l), jv_describe(&c->A, r), n->str);
    if (l->t == JV_NUM) cmp = l->u.n < r->u.n ? -1 : l->u.n > r->u.n ? 1 : 0;
    else cmp = str_cmp(l, r);
    switch (op) {
    case OP_LT: return JBOOL(cmp < 0);
    case OP_LE: return JBOOL(cmp <= 0);
    case OP_GT: return JBOOL(cmp > 0);
    default: return JBOOL(cmp >= 0);
    }
  }
  case OP_CONCAT: {
    jv *ls = l ? jv_stringify(&c->A, l, 0) : NULL, *rs = r ? jv_stringify(&c->A, r, 0) : NULL;
    size_t ll = ls ? ls->u.s.len : 0, rl = rs ? rs->u.s.len : 0;
    char *p = ja_alloc(&c->A, ll + rl + 1);
    if (ll) memcpy(p, ls->u.s.p, ll);
    if (rl) memcpy(p + ll, rs->u.s.p, rl);
    p[ll + rl] = '\0';
    return jv_str_nocopy(&c->A, p, ll + rl);
  }
  case OP_IN: {
    size_t i;
    if (!l || !r) return JFALSE;
    if (!IS_ARR(r)) r = as_seq(c, r);
    for (i = 0; i < r->u.a.n; i++) {
      jv *x = r->u.a.it[i];
      if (!x || x->t != l->t) continue;
      if (x == l) return JTRUE;
      if ((x->t == JV_NUM && x->u.n == l->u.n) || (x->t == JV_STR && str_cmp(x, l) == 0) ||
          (x->t == JV_BOOL && x->u.b == l->u.b) || x->t == JV_NULL)
        return JTRUE;
    }
    return JFALSE;
  }
  case OP_RANGE: {
    double a, b, k;
    jv *res;
    size_t i = 0;
    if (l && !jv_is_integer(l))
      jerr(c, "T2003", n->pos, "The left side of the range operator (..) must evaluate to an integer");
    if (r && !jv_is_integer(r))
      jerr(c, "T2004", n->pos, "The right side of the range operator (..) must evaluate to an integer");
    if (!l || !r) return NULL;
    a = l->u.n;
    b = r->u.n;
    if (a > b) return NULL;
    if (b - a + 1 > 1e7)
      jerr(c, "D2014", n->pos,
           "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate %.0f.",
           b - a + 1);
    res = jv_seq(&c->A, (size_t)(b - a + 1));
    for (k = 0; k < b - a + 1; k++) res->u.a.it[i++] = jv_num(&c->A, a + k);
    res->u.a.n = i;
    return res;
  }
  }
  return NULL;
}

static jv *eval_array(jctx *c, const jnode *n, jv *input, jframe *env) {
  jv *r = jv_arr(&c->A, (size_t)n->nkids);
  int i;
  size_t j;
  for (i = 0; i < n->nkids; i++) {
    jv *v = jeval(c, n->kids[i], input, env);
    if (!v) continue;
    if (n->nkids == 1 && IS_ARR(v) && n->kids[i]->type != N_ARRAY) {
      r = jv_arr(&c->A, v->u.a.n);
      if (v->u.a.n) memcpy(r->u.a.it, v->u.a.it, v->u.a.n * sizeof(jv *));
      r->u.a.n = v->u.a.n;
      continue;
    }
    if (n->kids[i]->type == N_ARRAY) jv_push(&c->A, r, v);
    else if (IS_ARR(v))
      for (j = 0; j < v->u.a.n; j++) jv_push(&c->A, r, v->u.a.it[j]);
    else
      jv_push(&c->A, r, v);
  }
  if (n->consarray) r->flags |= JF_CONS;
  return r;
}

jv *jnormalize(jv *r, int keep_array) {
  if (r && r->t == JV_ARR && (r->flags & JF_SEQ) && !(r->flags & JF_TUPLE)) {
    if (keep_array) r->flags |= JF_KEEP;
    if (r->u.a.n == 0) r = NULL;
    else if (r->u.a.n == 1 && !(r->flags & JF_KEEP)) r = r->u.a.it[0];
  }
  return r;
}

jv *jeval(jctx *c, const jnode *n, jv *input, jframe *env) {
  jv *r = NULL;
  int i;
  if (++c->depth > c->max_depth)
    jerr(c, "U1001", n->pos,
         "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
  if (++c->steps > c->max_steps)
    jerr(c, "U1002", n->pos, "Expression evaluation exceeded the step limit: Check for infinite loop");
  switch (n->type) {
  case N_PATH: r = eval_path(c, n, input, env); break;
  case N_BINARY: r = eval_binary(c, n, input, env); break;
  case N_NEG:
    r = jeval(c, n->lhs, input, env);
    if (r) {
      if (!num_ok(c, r)) jerr(c, "D1002", n->pos, "Cannot negate a non-numeric value: %s", jv_describe(&c->A, r));
      r = jv_num(&c->A, -r->u.n);
    }
    break;
  case N_ARRAY: r = eval_array(c, n, input, env); break;
  case N_OBJECT: r = eval_group(c, n->pairs, n->npairs, n->pos, input, env); break;
  case N_NAME: r = lookup_field(c, input, n->str, n->slen, 0); break;
  case N_STRING: case N_NUMBER: case N_VALUE: case N_REGEX: r = n->lit; break;
  case N_WILDCARD: r = eval_wildcard(c, input); break;
  case N_DESCENDANT: r = eval_descendants(c, input); break;
  case N_PARENT:
    if (!jframe_find(env, n->ancestor->label, n->ancestor->llen, &r)) r = NULL;
    break;
  case N_CONDITION: {
    jv *cond = jeval(c, n->lhs, input, env);
    if (jv_boolean(cond) == 1) r = jeval(c, n->rhs, input, env);
    else if (n->third) r = jeval(c, n->third, input, env);
    break;
  }
  case N_BLOCK: {
    jframe *f = jframe_new(&c->A, env);
    for (i = 0; i < n->nkids; i++) r = jeval(c, n->kids[i], input, f);
    break;
  }
  case N_BIND:
    r = jeval(c, n->rhs, input, env);
    jframe_bind(&c->A, env, n->lhs->str, n->lhs->slen, r);
    break;
  case N_VARIABLE:
    if (n->slen == 0) r = (IS_ARR(input) && (input->flags & JF_OUTER)) ? input->u.a.it[0] : input;
    else r = jlookup_var(c, env, n->str, n->slen);
    break;
  case N_LAMBDA: {
    jfn *f = ja_alloc(&c->A, sizeof *f);
    memset(f, 0, sizeof *f);
    f->kind = FN_LAMBDA;
    f->node = n;
    f->env = env;
    f->input = input;
    f->params = n->kids;
    f->nparams = n->nkids;
    r = ja_alloc(&c->A, sizeof *r);
    memset(r, 0, sizeof *r);
    r->t = JV_FN;
    r->u.f = f;
    break;
  }
  case N_FUNCTION: r = jeval_function(c, n, input, env, NULL, 0); break;
  case N_PARTIAL: r = jeval_partial(c, n, input, env); break;
  case N_APPLY: r = jeval_apply(c, n, input, env); break;
  case N_TRANSFORM: r = jeval_transform(c, n, env); break;
  case N_SORT: r = eval_sort(c, n, input, env); break;
  default: break;
  }
  for (i = 0; i < n->npreds; i++) r = eval_filter(c, n->preds[i], r, env);
  if (n->type != N_PATH && n->has_group) r = eval_group(c, n->gpairs, n->ngpairs, n->group_pos, r, env);
  c->depth--;
  return jnormalize(r, n->keep_array);
}

/* ---- public API ---- */

sfn_jsonata *sfn_jsonata_compile(const char *src, size_t len, sfn_error *err) {
  sfn_jsonata *volatile e;
  sfn_error local = {{0}, NULL, 0, 0};
  jmp_buf jb;
  e = sfn_malloc(sizeof *e);
  if (!e) {
    sfn_error_oom(err);
    return NULL;
  }
  memset((void *)e, 0, sizeof *e);
  e->A.jb = &jb;
  e->A.err = &local;
  e->src = sfn_strndup(src ? src : "", src ? len : 0);
  e->len = src ? len : 0;
  if (!e->src) {
    sfn_free((void *)e);
    sfn_error_oom(err);
    return NULL;
  }
  if (setjmp(jb)) {
    if (err) sfn_error_move(err, &local);
    else sfn_error_clear(&local);
    sfn_jsonata_free((sfn_jsonata *)e);
    return NULL;
  }
  jparse((sfn_jsonata *)e, e->src, e->len);
  e->A.jb = NULL;
  e->A.err = NULL;
  return (sfn_jsonata *)e;
}

void sfn_jsonata_free(sfn_jsonata *e) {
  jregex_list *r, *n;
  if (!e) return;
  for (r = e->regexes; r; r = n) {
    n = r->next;
    sfn_jn_regex_free(r->re);
    sfn_free(r);
  }
  ja_free_all(&e->A);
  sfn_free(e->src);
  sfn_free(e);
}

const char *sfn_jsonata_source(const sfn_jsonata *e, size_t *len) {
  if (len) *len = e->len;
  return e->src;
}

int sfn_jsonata_eval(const sfn_jsonata *e, sfn_jsonata_env *env, sfn_value **out, sfn_error *err) {
  jctx *volatile c;
  sfn_error local = {{0}, NULL, 0, 0};
  jmp_buf jb;
  jv *input, *r;
  int status;
  *out = NULL;
  c = sfn_malloc(sizeof *c);
  if (!c) return sfn_error_oom(err);
  memset((void *)c, 0, sizeof *c);
  c->A.jb = &jb;
  c->A.err = &local;
  c->A.limit = MEMORY_LIMIT;
  c->env = env;
  if (env && env->cache) {
    jcache_begin(env->cache);
    c->A.shared = env->cache;
  }
  if (!env) {
    c->local_env.rng_state = 0x9E3779B97F4A7C15ull;
    c->env = &c->local_env;
  }
  c->max_depth = env && env->max_depth ? env->max_depth : DEFAULT_DEPTH;
  if (c->max_depth > MAX_DEPTH_CAP) c->max_depth = MAX_DEPTH_CAP;
  c->max_steps = env && env->max_steps ? env->max_steps : DEFAULT_STEPS;
  if (setjmp(jb)) {
    int i;
    if (err) sfn_error_move(err, &local);
    else sfn_error_clear(&local);
    for (i = 0; i < c->npend; i++) sfn_decref(c->pend[i]);
    sfn_decref(c->pend_out);
    ja_free_all(&c->A);
    sfn_free((void *)c);
    return SFN_ERR;
  }
  input = env && env->input ? jv_from_sfn(&c->A, env->input, 0, 0) : NULL;
  if (IS_ARR(input)) {
    jv *w = jv_seq(&c->A, 1);
    jv_push(&c->A, w, input);
    w->flags |= JF_OUTER;
    input = w;
  }
  c->input = input;
  c->global = jframe_new(&c->A, NULL);
  jframe_bind(&c->A, c->global, "$", 1, input);
  r = jeval(c, e->root, input, jframe_new(&c->A, c->global));
  if (!r || r->t == JV_FN || r->t == JV_RE) {
    status = SFN_NOTFOUND;
  } else {
    *out = jv_to_sfn(&c->A, r);
    status = SFN_OK;
  }
  ja_free_all(&c->A);
  sfn_free((void *)c);
  return status;
}
