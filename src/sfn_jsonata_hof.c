/*
 * sfn_jsonata_hof.c: the JSONata built-ins the evaluator owns: higher-order
 * functions ($map, $filter, $single, $reduce, $each, $sift, $sort), $type,
 * $exists, $boolean, $not, $error, $assert, $lookup, $string, $count,
 * $clone, and function arguments where a plain built-in takes a pattern
 * ($replace with a replacement function; custom matchers for $match,
 * $contains, $split).  jnative_find is how the evaluator finds them; every
 * other built-in comes from sfn_jn_builtin_find (sfn_jsonata_fns.h).
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <string.h>

static jv *call_cb(jctx *c, jv *fn, jv *a1, jv *a2, jv *a3) {
  jv *args[3];
  int ar = jfn_arity(fn), n = 1;
  args[0] = a1;
  if (ar >= 2) args[n++] = a2;
  if (ar >= 3) args[n++] = a3;
  return jnormalize(japply(c, fn, args, n, NULL, "", 0, 0), 0);
}

static jv *f_map(jctx *c, jv **a, int n, jv *input) {
  jv *arr = a[0], *r;
  size_t i;
  if (!arr) return NULL;
  r = jv_seq(&c->A, arr->u.a.n);
  for (i = 0; i < arr->u.a.n; i++) {
    jv *x = call_cb(c, a[1], arr->u.a.it[i], jv_num(&c->A, (double)i), arr);
    if (x) jv_push(&c->A, r, x);
  }
  return r;
}

static jv *f_filter(jctx *c, jv **a, int n, jv *input) {
  jv *arr = a[0], *r;
  size_t i;
  if (!arr) return NULL;
  r = jv_seq(&c->A, 0);
  for (i = 0; i < arr->u.a.n; i++)
    if (jv_boolean(call_cb(c, a[1], arr->u.a.it[i], jv_num(&c->A, (double)i), arr)) == 1)
      jv_push(&c->A, r, arr->u.a.it[i]);
  return r;
}

static jv *f_single(jctx *c, jv **a, int n, jv *input) {
  jv *arr = a[0], *r = NULL;
  size_t i;
  int found = 0;
  if (!arr) return NULL;
  for (i = 0; i < arr->u.a.n; i++) {
    int ok = 1;
    if (n > 1 && a[1]) ok = jv_boolean(call_cb(c, a[1], arr->u.a.it[i], jv_num(&c->A, (double)i), arr)) == 1;
    if (ok) {
      if (found)
        jerr(c, "D3138", 0, "The $single() function expected exactly 1 matching result.  Instead it matched more.");
      found = 1;
      r = arr->u.a.it[i];
    }
  }
  if (!found) jerr(c, "D3139", 0, "The $single() function expected exactly 1 matching result.  Instead it matched 0.");
  return r;
}

static jv *f_reduce(jctx *c, jv **a, int n, jv *input) {
  jv *arr = a[0], *r, *args[4];
  size_t i;
  int ar;
  if (!arr) return NULL;
  ar = jfn_arity(a[1]);
  if (ar < 2)
    jerr(c, "D3050", 0, "The second argument of reduce function must be a function with at least two arguments");
  if ((n < 3 || !a[2]) && arr->u.a.n > 0) {
    r = arr->u.a.it[0];
    i = 1;
  } else {
    r = n > 2 ? a[2] : NULL;
    i = 0;
  }
  for (; i < arr->u.a.n; i++) {
    int k = 2;
    args[0] = r;
    args[1] = arr->u.a.it[i];
    if (ar >= 3) args[k++] = jv_num(&c->A, (double)i);
    if (ar >= 4) args[k++] = arr;
    r = jnormalize(japply(c, a[1], args, k, NULL, "", 0, 0), 0);
  }
  return r;
}

static jv *f_each(jctx *c, jv **a, int n, jv *input) {
  jv *o = a[0], *r;
  size_t i;
  if (!o) return NULL;
  r = jv_seq(&c->A, 0);
  for (i = 0; i < o->u.o->n; i++) {
    jv *x = call_cb(c, a[1], o->u.o->m[i].v, jv_str_nocopy(&c->A, o->u.o->m[i].k, o->u.o->m[i].klen), o);
    if (x) jv_push(&c->A, r, x);
  }
  return r;
}

static jv *f_sift(jctx *c, jv **a, int n, jv *input) {
  jv *o = a[0], *r;
  size_t i;
  if (!o) return NULL;
  r = jv_obj(&c->A, 0);
  for (i = 0; i < o->u.o->n; i++)
    if (jv_boolean(call_cb(c, a[1], o->u.o->m[i].v, jv_str_nocopy(&c->A, o->u.o->m[i].k, o->u.o->m[i].klen), o)) == 1)
      jv_set(&c->A, r, o->u.o->m[i].k, o->u.o->m[i].klen, o->u.o->m[i].v);
  return r->u.o->n ? r : NULL;
}

/* $sort: JSONata's merge sort; cmp(a, b) true means b goes first. */
static int sort_gt(jctx *c, jv *fn, jv *x, jv *y) {
  if (fn) {
    jv *args[2];
    args[0] = x;
    args[1] = y;
    return jv_boolean(jnormalize(japply(c, fn, args, 2, NULL, "", 0, 0), 0)) == 1;
  }
  if (x->t == JV_NUM) return x->u.n > y->u.n;
  {
    size_t l = x->u.s.len < y->u.s.len ? x->u.s.len : y->u.s.len;
    int m = memcmp(x->u.s.p, y->u.s.p, l);
    return m ? m > 0 : x->u.s.len > y->u.s.len;
  }
}

static void msort(jctx *c, jv *fn, jv **a, jv **tmp, size_t n) {
  size_t mid = n / 2, i = 0, j = mid, k = 0;
  if (n <= 1) return;
  msort(c, fn, a, tmp, mid);
  msort(c, fn, a + mid, tmp, n - mid);
  while (i < mid && j < n) {
    if (sort_gt(c, fn, a[i], a[j])) tmp[k++] = a[j++];
    else tmp[k++] = a[i++];
  }
  while (i < mid) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, n * sizeof *a);
}

static jv *f_sort(jctx *c, jv **a, int n, jv *input) {
  jv *arr = a[0], *fn = n > 1 ? a[1] : NULL, *r;
  size_t i;
  if (!arr) return NULL;
  if (arr->u.a.n <= 1) return arr;
  if (!fn) {
    int t = jsym(arr->u.a.it[0]);
    for (i = 0; i < arr->u.a.n; i++)
      if (jsym(arr->u.a.it[i]) != t || (t != 'n' && t != 's'))
        jerr(c, "D3070", 0,
             "The single argument form of the sort function can only be applied to an array of strings or an array of "
             "numbers.  Use the second argument to specify a comparison function");
  }
  r = jv_arr(&c->A, arr->u.a.n);
  memcpy(r->u.a.it, arr->u.a.it, arr->u.a.n * sizeof(jv *));
  r->u.a.n = arr->u.a.n;
  msort(c, fn, r->u.a.it, ja_alloc(&c->A, arr->u.a.n * sizeof(jv *)), arr->u.a.n);
  return r;
}

static jv *f_type(jctx *c, jv **a, int n, jv *input) {
  static const char *names[] = {"null", "boolean", "number", "string", "array", "object", "function", "function"};
  const char *s;
  if (!a[0]) return NULL;
  s = names[a[0]->t];
  return jv_str_nocopy(&c->A, s, strlen(s));
}

static jv *f_exists(jctx *c, jv **a, int n, jv *input) {
  return JBOOL(a[0] != NULL);
}

static jv *f_boolean(jctx *c, jv **a, int n, jv *input) {
  if (!a[0]) return NULL;
  return JBOOL(jv_boolean(a[0]) == 1);
}

static jv *f_not(jctx *c, jv **a, int n, jv *input) {
  if (!a[0]) return NULL;
  return JBOOL(jv_boolean(a[0]) != 1);
}

static jv *f_error(jctx *c, jv **a, int n, jv *input) {
  if (n > 0 && a[0]) jerr(c, "D3137", 0, "%.*s", (int)a[0]->u.s.len, a[0]->u.s.p);
  jerr(c, "D3137", 0, "$error() function evaluated");
}

static jv *f_assert(jctx *c, jv **a, int n, jv *input) {
  if (!a[0] || !a[0]->u.b) {
    if (n > 1 && a[1]) jerr(c, "D3141", 0, "%.*s", (int)a[1]->u.s.len, a[1]->u.s.p);
    jerr(c, "D3141", 0, "$assert() statement failed");
  }
  return NULL;
}

static jv *f_lookup(jctx *c, jv **a, int n, jv *input) {
  if (!a[1]) return NULL;
  return jlookup_key(c, a[0], a[1]->u.s.p, a[1]->u.s.len);
}

static jv *f_string(jctx *c, jv **a, int n, jv *input) {
  if (!a[0]) return NULL;
  if (a[0]->t == JV_NUM && !isfinite(a[0]->u.n))
    jerr(c, "D3001", 0, "Attempting to invoke string function on Infinity or NaN");
  return jv_stringify(&c->A, a[0], n > 1 && a[1] && a[1]->u.b);
}

static jv *f_count(jctx *c, jv **a, int n, jv *input) {
  return jv_num(&c->A, a[0] ? (double)a[0]->u.a.n : 0);
}

static jv *f_clone(jctx *c, jv **a, int n, jv *input) {
  return jv_clone(&c->A, a[0], 0);
}

/* $replace with a function as the replacement; other forms go to the plain built-in. */
static jv *f_replace(jctx *c, jv **a, int n, jv *input) {
  const sfn_jn_builtin *b;
  jv *str = a[0], *pat = a[1], *rep = a[2], *lim = n > 3 ? a[3] : NULL, *m, *groups;
  jsb out;
  size_t from = 0, pos = 0, ms, me;
  long g[SFN_JN_MAX_GROUPS][2];
  int ng, k, st;
  double count = 0;
  if (!str) return NULL;
  if (!rep || rep->t != JV_FN || !pat || pat->t != JV_RE) {
    if (pat && pat->t == JV_STR && pat->u.s.len == 0)
      jerr(c, "D3010", 0, "Second argument of replace function cannot be an empty string");
    b = sfn_jn_builtin_find("replace", 7);
    if (!b) return NULL;
    return jcall_ext(c, b, a, n, 0);
  }
  if (lim && lim->u.n < 0) jerr(c, "D3011", 0, "Fourth argument of replace function must evaluate to a positive number");
  jsb_init(&out, &c->A);
  for (;;) {
    jv *args[1], *res;
    if (lim && count >= lim->u.n) break;
    st = sfn_jn_regex_exec(pat->u.re, str->u.s.p, str->u.s.len, from, &ms, &me, g, &ng, c->A.err);
    if (st < 0) longjmp(*c->A.jb, 1);
    if (st == 0) break;
    if (me == ms) jerr(c, "D1004", 0, "Regular expression matches zero length string");
    m = jv_obj(&c->A, 4);
    jv_set(&c->A, m, "match", 5, jv_str(&c->A, str->u.s.p + ms, me - ms));
    jv_set(&c->A, m, "index", 5, jv_num(&c->A, (double)ms));
    groups = jv_arr(&c->A, (size_t)ng);
    for (k = 0; k < ng; k++)
      jv_push(&c->A, groups, g[k][0] < 0 ? jv_str(&c->A, "", 0)
                                         : jv_str(&c->A, str->u.s.p + g[k][0], (size_t)(g[k][1] - g[k][0])));
    jv_set(&c->A, m, "groups", 6, groups);
    args[0] = m;
    res = jnormalize(japply(c, rep, args, 1, NULL, "", 0, 0), 0);
    if (!res || res->t != JV_STR) jerr(c, "D3012", 0, "Attempted to replace a matched string with a non-string value");
    jsb_add(&out, str->u.s.p + pos, ms - pos);
    jsb_add(&out, res->u.s.p, res->u.s.len);
    pos = from = me;
    count++;
  }
  jsb_add(&out, str->u.s.p + pos, str->u.s.len - pos);
  return out.p ? jv_str_nocopy(&c->A, out.p, out.n) : jv_str(&c->A, "", 0);
}

/* ---- custom matchers: a function (not a regex) as the pattern of $match,
 * $contains and $split returns {match, start, end, groups, next} ---- */

static jv *delegate(jctx *c, const char *name, jv **a, int n) {
  const sfn_jn_builtin *b = sfn_jn_builtin_find(name, strlen(name));
  if (!b) return NULL;
  return jcall_ext(c, b, a, n, 0);
}

static jv *matcher_step(jctx *c, jv *fn, jv *arg, const char *name) {
  jv *m, *args[1], *x;
  args[0] = arg;
  m = jnormalize(japply(c, fn, args, arg ? 1 : 0, NULL, "", 0, 0), 0);
  if (!m) return NULL;
  if (m->t != JV_OBJ || !(x = jv_get(m, "match", 5)) || x->t != JV_STR || !(x = jv_get(m, "start", 5)) ||
      x->t != JV_NUM || !(x = jv_get(m, "end", 3)) || x->t != JV_NUM)
    jerr(c, "T1010", 0, "The matcher function argument passed to function \"%s\" does not return the correct object structure",
         name);
  return m;
}

static jv *matcher_next(jctx *c, jv *m, const char *name) {
  jv *next = jv_get(m, "next", 4);
  if (!IS_FN(next)) return NULL;
  return matcher_step(c, next, NULL, name);
}

static jv *f_match(jctx *c, jv **a, int n, jv *input) {
  jv *r, *m, *lim = n > 2 ? a[2] : NULL;
  double count = 0;
  if (!a[1] || a[1]->t != JV_FN) return delegate(c, "match", a, n);
  if (!a[0]) return NULL;
  r = jv_seq(&c->A, 0);
  for (m = matcher_step(c, a[1], a[0], "match"); m && (!lim || count < lim->u.n); m = matcher_next(c, m, "match")) {
    jv *o = jv_obj(&c->A, 3), *g = jv_get(m, "groups", 6);
    jv_set(&c->A, o, "match", 5, jv_get(m, "match", 5));
    jv_set(&c->A, o, "index", 5, jv_get(m, "start", 5));
    jv_set(&c->A, o, "groups", 6, g ? g : jv_arr(&c->A, 0));
    jv_push(&c->A, r, o);
    count++;
  }
  return r;
}

static jv *f_contains(jctx *c, jv **a, int n, jv *input) {
  if (!a[1] || a[1]->t != JV_FN) return delegate(c, "contains", a, n);
  if (!a[0]) return NULL;
  return JBOOL(matcher_step(c, a[1], a[0], "contains") != NULL);
}

static jv *f_split(jctx *c, jv **a, int n, jv *input) {
  jv *r, *m, *lim = n > 2 ? a[2] : NULL, *str = a[0];
  double start = 0;
  if (!a[1] || a[1]->t != JV_FN) return delegate(c, "split", a, n);
  if (!str) return NULL;
  if (lim && lim->u.n < 0) jerr(c, "D3020", 0, "Third argument of split function must evaluate to a positive number");
  r = jv_arr(&c->A, 0);
  for (m = matcher_step(c, a[1], str, "split"); m && (!lim || (double)r->u.a.n < lim->u.n);
       m = matcher_next(c, m, "split")) {
    double ms = jv_get(m, "start", 5)->u.n, me = jv_get(m, "end", 3)->u.n;
    if (!(ms >= start && ms <= (double)str->u.s.len)) break;
    if (!(me >= ms)) me = ms;
    jv_push(&c->A, r, jv_str(&c->A, str->u.s.p + (size_t)start, (size_t)(ms - start)));
    start = me < ms ? ms : me > (double)str->u.s.len ? (double)str->u.s.len : me;
  }
  if (!lim || (double)r->u.a.n < lim->u.n)
    jv_push(&c->A, r, jv_str(&c->A, str->u.s.p + (size_t)start, str->u.s.len - (size_t)start));
  return r;
}

static const jnative natives[] = {
    {"match", "<s-f<s:o>n?:a<o>>", f_match, 3},
    {"contains", "<s-(sf):b>", f_contains, 2},
    {"split", "<s-(sf)n?:a<s>>", f_split, 3},
    {"map", "<af>", f_map, 2},
    {"filter", "<af>", f_filter, 2},
    {"single", "<af?>", f_single, 2},
    {"reduce", "<afj?:j>", f_reduce, 3},
    {"each", "<o-f:a>", f_each, 2},
    {"sift", "<o-f?:o>", f_sift, 2},
    {"sort", "<af?:a>", f_sort, 2},
    {"type", "<x:s>", f_type, 1},
    {"exists", "<x:b>", f_exists, 1},
    {"boolean", "<x-:b>", f_boolean, 1},
    {"not", "<x-:b>", f_not, 1},
    {"error", "<s?:x>", f_error, 1},
    {"assert", "<bs?:x>", f_assert, 2},
    {"lookup", "<x-s:x>", f_lookup, 2},
    {"string", "<x-b?:s>", f_string, 1},
    {"clone", "<(oa)-:o>", f_clone, 1},
    {"count", "<a:n>", f_count, 1},
    {"replace", "<s-(sf)(sf)n?:s>", f_replace, 4},
};

const jnative *jnative_find(const char *name, size_t len) {
  size_t i;
  for (i = 0; i < sizeof natives / sizeof natives[0]; i++)
    if (strlen(natives[i].name) == len && !memcmp(natives[i].name, name, len)) return &natives[i];
  return NULL;
}
