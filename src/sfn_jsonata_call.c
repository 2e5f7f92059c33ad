/*
 * sfn_jsonata_call.c: function application for the JSONata evaluator:
 * variable and built-in lookup, calls with tail calls in a loop, signature
 * checking and coercion (JSONata's signature rules, T0410/T0411/T0412),
 * partial application, `~>`, transforms, calls into the plain built-ins of
 * sfn_jsonata_fns.h, and the built-ins that need the evaluator (higher-order
 * functions and the others that need the evaluator are in
 * sfn_jsonata_hof.c).
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- signatures ---- */

int jsym(const jv *v) {
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
    return jcall_ext(c, f->ext, va, vn, pos);
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

jv *jcall_ext(jctx *c, const sfn_jn_builtin *b, jv **args, int nargs, int pos) {
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
