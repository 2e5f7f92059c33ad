/*
 * sfn_jsonata_call.c: function application for the JSONata evaluator:
 * variable and built-in lookup, calls with tail calls in a loop, signature
 * checking and coercion (JSONata's signature rules, T0410/T0411/T0412),
 * partial application, `~>`, transforms, calls into the plain built-ins of
 * sfn_jsonata_fns.h, and the built-ins that need the evaluator (higher-order
 * functions, $type, $exists, $boolean, $not, $error, $assert, $lookup,
 * $string, $clone, $sort, $replace with a function).
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- signatures ---- */

static int jsym(const jv *v) {
  if (!v) return 'm';
  switch (v->t) {
  case JV_NULL: return 'l';
  case JV_BOOL: return 'b';
  case JV_NUM: return 'n';
  case JV_STR: return 's';
  case JV_ARR: return 'a';
  case JV_OBJ: return 'o';
  default: return 'f';
  }
}

/* Match params [pi, lim) against syms[si..n) the way JavaScript's regex would
 * (greedy, backtracking).  full: the match must consume every symbol. */
static int sig_match(const jsig *s, int pi, int lim, const char *syms, int si, int n, int full, int *counts,
                     int *consumed) {
  const jsigp *p;
  int max, min, avail = 0, cnt;
  if (pi == lim) {
    if (full && si != n) return 0;
    *consumed = si;
    return 1;
  }
  p = &s->p[pi];
  max = p->mod == '+' ? n - si : 1;
  min = (p->mod == '?' || p->context) ? 0 : 1;
  while (avail < max && si + avail < n && strchr(p->set, syms[si + avail])) avail++;
  for (cnt = avail; cnt >= min; cnt--) {
    counts[pi] = cnt;
    if (sig_match(s, pi + 1, lim, syms, si + cnt, n, full, counts, consumed)) return 1;
  }
  return 0;
}

static const char *array_of(char t) {
  switch (t) {
  case 'a': return "arrays";
  case 'b': return "booleans";
  case 'f': return "functions";
  case 'n': return "numbers";
  case 'o': return "objects";
  case 's': return "strings";
  default: return "values";
  }
}

static jv **validate(jctx *c, const jsig *s, jv **args, int nargs, jv *input, const char *name, int pos, int *outn) {
  char *syms = ja_alloc(&c->A, (size_t)nargs + 1);
  int counts[JSIG_MAX], consumed = 0, i, k, argi = 0, no = 0;
  jv **out;
  for (i = 0; i < nargs; i++) syms[i] = (char)jsym(args[i]);
  syms[nargs] = '\0';
  if (!sig_match(s, 0, s->n, syms, 0, nargs, 1, counts, &consumed)) {
    int good = 0;
    for (i = 0; i < s->n; i++) {
      if (!sig_match(s, 0, i + 1, syms, 0, nargs, 0, counts, &consumed)) break;
      good = consumed;
    }
    jerr(c, "T0410", pos, "Argument %d of function \"%s\" does not match function signature", good + 1, name);
  }
  out = ja_alloc(&c->A, (size_t)(s->n + nargs + 1) * sizeof(jv *));
  for (i = 0; i < s->n; i++) {
    const jsigp *p = &s->p[i];
    if (counts[i] == 0) {
      if (p->context) {
        jv *ctx = (IS_ARR(input) && (input->flags & JF_OUTER)) ? input->u.a.it[0] : input;
        if (!strchr(p->set, jsym(ctx)))
          jerr(c, "T0411", pos, "Context value is not a compatible type with argument %d of function \"%s\"", argi + 1,
               name);
        out[no++] = ctx;
      } else {
        out[no++] = argi < nargs ? args[argi] : NULL;
        argi++;
      }
      continue;
    }
    for (k = 0; k < counts[i]; k++) {
      jv *arg = args[argi];
      char single = syms[argi];
      if (p->type == 'a') {
        if (single == 'm') arg = NULL;
        else {
          if (p->sub[0]) {
            int ok = 1;
            if (single != 'a') {
              if (counts[i] != 1 || single != p->sub[0] || p->sub[1]) ok = 0;
            } else if (arg->u.a.n > 0) {
              int t0 = jsym(arg->u.a.it[0]);
              size_t j;
              if (t0 != p->sub[0]) ok = 0;
              for (j = 0; ok && j < arg->u.a.n; j++)
                if (jsym(arg->u.a.it[j]) != t0) ok = 0;
            }
            if (!ok)
              jerr(c, "T0412", pos, "Argument %d of function \"%s\" must be an array of %s", argi + 1, name,
                   array_of(p->sub[0]));
          }
          if (single != 'a') {
            jv *w = jv_arr(&c->A, 1);
            jv_push(&c->A, w, arg);
            arg = w;
          }
        }
      }
      out[no++] = arg;
      argi++;
    }
  }
  *outn = no;
  return out;
}

/* ---- function values ---- */

static jv *fn_value(jctx *c, jfn *f) {
  jv *v = ja_alloc(&c->A, sizeof *v);
  memset(v, 0, sizeof *v);
  v->t = JV_FN;
  v->u.f = f;
  return v;
}

static jfn *new_fn(jctx *c, int kind) {
  jfn *f = ja_alloc(&c->A, sizeof *f);
  memset(f, 0, sizeof *f);
  f->kind = kind;
  return f;
}

static int sig_count(const char *sig) {
  int n = 0, depth = 0;
  const char *p;
  for (p = sig + 1; *p && *p != ':' && !(depth == 0 && *p == '>'); p++) {
    if (*p == '<') depth++;
    else if (*p == '>') depth--;
    else if (depth == 0 && (strchr("bnslaofjx", *p) || *p == '(')) {
      n++;
      if (*p == '(') {
        while (*p && *p != ')') p++;
        if (!*p) break;
      }
    }
  }
  return n;
}

int jfn_arity(const jv *fn) {
  const jfn *f;
  int i, n = 0;
  if (!fn || fn->t != JV_FN) return 1;
  f = fn->u.f;
  switch (f->kind) {
  case FN_LAMBDA: return f->nparams;
  case FN_NATIVE: return f->nat->arity;
  case FN_EXT: return sig_count(f->ext->signature);
  case FN_PARTIAL:
    for (i = 0; i < f->nargs; i++)
      if (f->args[i] == JPLACE) n++;
    return n;
  default: return 1;
  }
}

jv *jlookup_var(jctx *c, jframe *env, const char *name, size_t len) {
  jv *v;
  const jnative *nat;
  const sfn_jn_builtin *b;
  jfn *f;
  if (jframe_find(env, name, len, &v)) return v;
  if (c->env && c->env->lookup) {
    if (!c->cache) c->cache = jframe_new(&c->A, NULL);
    if (!jframe_find(c->cache, name, len, &v)) {
      sfn_value *sv = c->env->lookup(c->env->lookup_ud, name, len);
      v = sv ? jv_from_sfn(&c->A, sv, 0, 0) : NULL;
      jframe_bind(&c->A, c->cache, ja_strndup(&c->A, name, len), len, v);
    }
    if (v) return v;
  }
  nat = jnative_find(name, len);
  if (nat) {
    f = new_fn(c, FN_NATIVE);
    f->nat = nat;
    f->name = nat->name;
    f->nlen = strlen(nat->name);
    return fn_value(c, f);
  }
  b = sfn_jn_builtin_find(name, len);
  if (b) {
    f = new_fn(c, FN_EXT);
    f->ext = b;
    f->name = b->name;
    f->nlen = strlen(b->name);
    return fn_value(c, f);
  }
  return NULL;
}

/* ---- calls ---- */

static const jnode dummy_node;

static int plain_node(const jnode *b) {
  return !b->npreds && !b->nstages && !b->has_group && !b->keep_array && !b->tuple;
}

static void proc_name(const jnode *p, const char **name, size_t *len) {
  if (p->type == N_PATH && p->kids[0]->str) {
    *name = p->kids[0]->str;
    *len = p->kids[0]->slen;
  } else if (p->str) {
    *name = p->str;
    *len = p->slen;
  } else {
    *name = "";
    *len = 0;
  }
}

static void enter(jctx *c, const jnode *n) {
  if (++c->depth > c->max_depth)
    jerr(c, "U1001", n->pos,
         "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
  if (++c->steps > c->max_steps)
    jerr(c, "U1002", n->pos, "Expression evaluation exceeded the step limit: Check for infinite loop");
}

static jv *call_ext(jctx *c, const sfn_jn_builtin *b, jv **args, int nargs, int pos);
static jv *do_transform(jctx *c, jfn *f, jv *obj, int pos);

static jv *apply_lambda(jctx *c, jv *fnv, jv **args, int nargs, jv *cinput, const char *name, size_t nlen, int pos) {
  uint32_t depth0 = c->depth;
  jv *r;
  int i;
  for (;;) {
    jfn *f = fnv->u.f;
    const jnode *b = f->node->rhs;
    jframe *e = jframe_new(&c->A, f->env);
    jv *input = f->input;
    if (f->node->sig) {
      char nm[64];
      snprintf(nm, sizeof nm, "%.*s", (int)nlen, name);
      args = validate(c, f->node->sig, args, nargs, cinput, nm, pos, &nargs);
    }
    for (i = 0; i < f->nparams; i++)
      jframe_bind(&c->A, e, f->params[i]->str, f->params[i]->slen, i < nargs ? args[i] : NULL);
    for (;;) {
      if (b->type == N_CONDITION && plain_node(b)) {
        enter(c, b);
        if (jv_boolean(jeval(c, b->lhs, input, e)) == 1) b = b->rhs;
        else if (b->third) b = b->third;
        else {
          c->depth = depth0;
          return NULL;
        }
        continue;
      }
      if (b->type == N_BLOCK && plain_node(b) && b->nkids > 0) {
        enter(c, b);
        e = jframe_new(&c->A, e);
        for (i = 0; i < b->nkids - 1; i++) jeval(c, b->kids[i], input, e);
        b = b->kids[b->nkids - 1];
        continue;
      }
      break;
    }
    if (b->type == N_FUNCTION && plain_node(b)) {
      jv *proc, **a2;
      const char *pn;
      size_t pl;
      enter(c, b);
      proc = jeval(c, b->lhs, input, e);
      proc_name(b->lhs, &pn, &pl);
      if (!proc && b->lhs->type == N_PATH && b->lhs->kids[0]->type == N_NAME && jlookup_var(c, e, pn, pl))
        jerr(c, "T1005", b->pos, "Attempted to invoke a non-function. Did you mean $%.*s?", (int)pl, pn);
      a2 = ja_alloc(&c->A, (size_t)(b->nkids + 1) * sizeof(jv *));
      for (i = 0; i < b->nkids; i++) a2[i] = jeval(c, b->kids[i], input, e);
      if (proc && proc->t == JV_FN && proc->u.f->kind == FN_LAMBDA) {
        fnv = proc;
        args = a2;
        nargs = b->nkids;
        name = pn;
        nlen = pl;
        pos = b->pos;
        cinput = input;
        c->depth = depth0;
        continue;
      }
      r = jnormalize(japply(c, proc, a2, b->nkids, input, pn, pl, b->pos), 0);
      c->depth = depth0;
      return r;
    }
    r = jeval(c, b, input, e);
    c->depth = depth0;
    return r;
  }
}

/* A regex literal called as a function: the first match in str from byte
 * `from` as {match, start, end, groups}, or undefined. */
static jv *regex_call(jctx *c, const sfn_jn_regex *re, jv *str, size_t from) {
  size_t ms, me;
  long g[SFN_JN_MAX_GROUPS][2];
  int ng = 0, k, st;
  jv *m, *groups;
  if (!str || str->t != JV_STR) return NULL;
  st = sfn_jn_regex_exec(re, str->u.s.p, str->u.s.len, from, &ms, &me, g, &ng, c->A.err);
  if (st < 0) longjmp(*c->A.jb, 1);
  if (st == 0) return NULL;
  m = jv_obj(&c->A, 4);
  jv_set(&c->A, m, "match", 5, jv_str(&c->A, str->u.s.p + ms, me - ms));
  jv_set(&c->A, m, "start", 5, jv_num(&c->A, (double)ms));
  jv_set(&c->A, m, "end", 3, jv_num(&c->A, (double)me));
  groups = jv_arr(&c->A, (size_t)ng);
  for (k = 0; k < ng; k++)
    jv_push(&c->A, groups, g[k][0] < 0 ? jv_str(&c->A, "", 0)
                                       : jv_str(&c->A, str->u.s.p + g[k][0], (size_t)(g[k][1] - g[k][0])));
  jv_set(&c->A, m, "groups", 6, groups);
  return m;
}

jv *japply(jctx *c, jv *proc, jv **args, int nargs, jv *input, const char *name, size_t nlen, int pos) {
  jfn *f;
  char nm[64];
  jsig sig;
  jv **va;
  int vn, i, j;
  if (!proc || proc->t != JV_FN) {
    if (proc && proc->t == JV_RE) return regex_call(c, proc->u.re, nargs > 0 ? args[0] : NULL, 0);
    jerr(c, "T1006", pos, "Attempted to invoke a non-function");
  }
  f = proc->u.f;
  if (nlen == 0 && f->name) {
    name = f->name;
    nlen = f->nlen;
  }
  snprintf(nm, sizeof nm, "%.*s", (int)nlen, name ? name : "");
  switch (f->kind) {
  case FN_LAMBDA: return apply_lambda(c, proc, args, nargs, input, nm, strlen(nm), pos);
  case FN_NATIVE:
    jsig_parse(&c->A, f->nat->signature, strlen(f->nat->signature), &sig);
    va = validate(c, &sig, args, nargs, input, nm, pos, &vn);
    return f->nat->fn(c, va, vn, input);
  case FN_EXT:
    jsig_parse(&c->A, f->ext->signature, strlen(f->ext->signature), &sig);
    va = validate(c, &sig, args, nargs, input, nm, pos, &vn);
    return call_ext(c, f->ext, va, vn, pos);
  case FN_PARTIAL: {
    jv *r;
    va = ja_alloc(&c->A, (size_t)(f->nargs + 1) * sizeof(jv *));
    for (i = 0, j = 0; i < f->nargs; i++) va[i] = f->args[i] == JPLACE ? (j < nargs ? args[j++] : NULL) : f->args[i];
    /* partials of partials and chains of chains nest calls without an
     * evaluation in between: count them as evaluation depth */
    enter(c, f->node ? f->node : &dummy_node);
    r = japply(c, f->target, va, f->nargs, input, name, nlen, pos);
    c->depth--;
    return r;
  }
  case FN_CHAIN: {
    jv *r;
    enter(c, &dummy_node);
    r = jnormalize(japply(c, f->target, args, nargs, input, "", 0, pos), 0);
    r = japply(c, f->second, &r, 1, input, "", 0, pos);
    c->depth--;
    return r;
  }
  case FN_TRANSFORM:
    if (nargs > 0 && args[0] && args[0]->t != JV_OBJ && args[0]->t != JV_ARR)
      jerr(c, "T0410", pos, "Argument 1 of function \"%s\" does not match function signature", nm);
    return do_transform(c, f, nargs > 0 ? args[0] : NULL, pos);
  }
  return NULL;
}

jv *jeval_function(jctx *c, const jnode *n, jv *input, jframe *env, jv *applyto, int has_applyto) {
  jv *proc = jeval(c, n->lhs, input, env), **args;
  const char *pn;
  size_t pl;
  int i, k = 0;
  proc_name(n->lhs, &pn, &pl);
  if (!proc && n->lhs->type == N_PATH && n->lhs->kids[0]->type == N_NAME && jlookup_var(c, env, pn, pl))
    jerr(c, "T1005", n->pos, "Attempted to invoke a non-function. Did you mean $%.*s?", (int)pl, pn);
  args = ja_alloc(&c->A, (size_t)(n->nkids + 2) * sizeof(jv *));
  if (has_applyto) args[k++] = applyto;
  for (i = 0; i < n->nkids; i++) args[k++] = jeval(c, n->kids[i], input, env);
  return japply(c, proc, args, k, input, pn, pl, n->pos);
}

jv *jeval_partial(jctx *c, const jnode *n, jv *input, jframe *env) {
  jv **args = ja_alloc(&c->A, (size_t)(n->nkids + 1) * sizeof(jv *)), *proc;
  const char *pn;
  size_t pl;
  int i;
  jfn *f;
  for (i = 0; i < n->nkids; i++) args[i] = n->kids[i]->type == N_PLACEHOLDER ? JPLACE : jeval(c, n->kids[i], input, env);
  proc = jeval(c, n->lhs, input, env);
  proc_name(n->lhs, &pn, &pl);
  if (!proc && n->lhs->type == N_PATH && n->lhs->kids[0]->type == N_NAME && jlookup_var(c, env, pn, pl))
    jerr(c, "T1007", n->pos, "Attempted to partially apply a non-function. Did you mean $%.*s?", (int)pl, pn);
  if (!proc || proc->t != JV_FN) jerr(c, "T1008", n->pos, "Attempted to partially apply a non-function");
  f = new_fn(c, FN_PARTIAL);
  f->target = proc;
  f->args = args;
  f->nargs = n->nkids;
  f->name = proc->u.f->name;
  f->nlen = proc->u.f->nlen;
  return fn_value(c, f);
}

jv *jeval_apply(jctx *c, const jnode *n, jv *input, jframe *env) {
  jv *lhs = jeval(c, n->lhs, input, env), *fn;
  if (n->rhs->type == N_FUNCTION) return jeval_function(c, n->rhs, input, env, lhs, 1);
  fn = jeval(c, n->rhs, input, env);
  if (!IS_FN(fn))
    jerr(c, "T2006", n->pos, "The right side of the function application operator ~> must be a function");
  if (lhs && lhs->t == JV_FN) {
    jfn *f = new_fn(c, FN_CHAIN);
    f->target = lhs;
    f->second = fn;
    return fn_value(c, f);
  }
  return japply(c, fn, &lhs, 1, NULL, "", 0, n->pos);
}

/* ---- transforms ---- */

jv *jeval_transform(jctx *c, const jnode *n, jframe *env) {
  jfn *f = new_fn(c, FN_TRANSFORM);
  f->node = n;
  f->env = env;
  return fn_value(c, f);
}

static jv *do_transform(jctx *c, jfn *f, jv *obj, int pos) {
  const jnode *n = f->node;
  jv *clonefn, *result, *matches;
  size_t i, j;
  if (!obj) return NULL;
  clonefn = jlookup_var(c, f->env, "clone", 5);
  if (!clonefn || clonefn->t != JV_FN)
    jerr(c, "T2013", n->pos,
         "The transform expression clones the input object using the $clone() function.  This has been overridden in the "
         "current scope by a non-function.");
  result = japply(c, clonefn, &obj, 1, NULL, "clone", 5, pos);
  matches = jeval(c, n->lhs, result, f->env);
  if (!matches) return result;
  if (!IS_ARR(matches)) {
    jv *a = jv_arr(&c->A, 1);
    jv_push(&c->A, a, matches);
    matches = a;
  }
  for (i = 0; i < matches->u.a.n; i++) {
    jv *m = matches->u.a.it[i], *upd = jeval(c, n->rhs, m, f->env);
    if (upd) {
      if (upd->t != JV_OBJ)
        jerr(c, "T2011", n->rhs->pos, "The insert/update clause of the transform expression must evaluate to an object: %s",
             jv_describe(&c->A, upd));
      if (m && m->t == JV_OBJ)
        for (j = 0; j < upd->u.o->n; j++) jv_set(&c->A, m, upd->u.o->m[j].k, upd->u.o->m[j].klen, upd->u.o->m[j].v);
    }
    if (n->third) {
      jv *dels = jeval(c, n->third, m, f->env), *d;
      if (dels) {
        d = dels;
        if (!IS_ARR(d)) {
          d = jv_arr(&c->A, 1);
          jv_push(&c->A, d, dels);
        }
        for (j = 0; j < d->u.a.n; j++)
          if (!d->u.a.it[j] || d->u.a.it[j]->t != JV_STR)
            jerr(c, "T2012", n->third->pos,
                 "The delete clause of the transform expression must evaluate to a string or array of strings: %s",
                 jv_describe(&c->A, dels));
        if (m && m->t == JV_OBJ)
          for (j = 0; j < d->u.a.n; j++) jv_del(m, d->u.a.it[j]->u.s.p, d->u.a.it[j]->u.s.len);
      }
    }
  }
  return result;
}

/* ---- plain built-ins ---- */

static jv *call_ext(jctx *c, const sfn_jn_builtin *b, jv **args, int nargs, int pos) {
  sfn_value **sargs = ja_alloc(&c->A, (size_t)(nargs + 1) * sizeof(sfn_value *)), *out = NULL;
  const sfn_jn_regex **rx = ja_alloc(&c->A, (size_t)(nargs + 1) * sizeof(sfn_jn_regex *));
  sfn_jn_call call;
  jv *r;
  int i, st;
  for (i = 0; i < nargs; i++) {
    sargs[i] = NULL;
    rx[i] = NULL;
  }
  c->pend = sargs;
  c->npend = nargs;
  for (i = 0; i < nargs; i++) {
    if (!args[i]) continue;
    if (args[i]->t == JV_RE) rx[i] = args[i]->u.re;
    else if (args[i]->t == JV_FN) {
      sargs[i] = sfn_string("", 0);
      if (!sargs[i]) ja_oom(&c->A);
    } else
      sargs[i] = jv_to_sfn(&c->A, args[i]);
  }
  call.args = sargs;
  call.regex = rx;
  call.nargs = nargs;
  call.env = c->env;
  call.err = c->A.err;
  st = b->fn(&call, &out);
  for (i = 0; i < nargs; i++) sfn_decref(sargs[i]);
  c->npend = 0;
  if (st != SFN_OK) {
    sfn_decref(out);
    if (c->A.err && !c->A.err->code[0]) sfn_error_set(c->A.err, "D3000", "Error in function $%s", b->name);
    if (c->A.err) c->A.err->column = pos;
    longjmp(*c->A.jb, 1);
  }
  if (!out) return NULL;
  c->pend_out = out;
  r = jv_from_sfn(&c->A, out, 0, 1);
  c->pend_out = NULL;
  sfn_decref(out);
  if (IS_ARR(r)) {
    if (!strcmp(b->name, "keys") || !strcmp(b->name, "spread")) r->flags |= JF_SEQ;
    else if (!strcmp(b->name, "distinct") && nargs > 0 && IS_SEQ(args[0])) r->flags |= JF_SEQ;
  }
  return r;
}

/* ---- evaluator built-ins ---- */

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
    return call_ext(c, b, a, n, 0);
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
  return call_ext(c, b, a, n, 0);
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
