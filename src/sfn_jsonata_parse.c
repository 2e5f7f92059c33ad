/*
 * sfn_jsonata_parse.c: JSONata's parser (top-down operator precedence, as
 * JSONata's grammar is defined; tokens from sfn_jsonata_lex.c), then the
 * processing pass that turns `.` chains into path steps, attaches
 * predicates, group-by, order-by, focus (@) and index (#) bindings to
 * steps, and resolves the parent operator (%).
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARSE_DEPTH 400

/* ---- parser ---- */

static int tok_is(const jparser *P, const char *op) {
  size_t l = strlen(op);
  return P->tok.type == T_OP && P->tok.len == l && memcmp(P->tok.s, op, l) == 0;
}

static jnode *new_node(jparser *P, int type, int pos) {
  jnode *x = ja_alloc(P->A, sizeof *x);
  memset(x, 0, sizeof *x);
  x->type = (uint8_t)type;
  x->pos = pos;
  return x;
}

static void expect(jparser *P, const char *op) {
  if (!tok_is(P, op)) {
    if (P->tok.type == T_END) jperr(P, "S0203", P->tok.pos, "Expected \"%s\" before end of expression", op);
    jperr(P, "S0202", P->tok.pos, "Expected \"%s\", got \"%.*s\"", op, (int)P->tok.len, P->tok.s ? P->tok.s : "");
  }
  jlex(P);
}

static int lbp(const jparser *P) {
  const jtok *t = &P->tok;
  if (t->type != T_OP) return 0;
  if (t->len == 1) {
    switch (t->s[0]) {
    case '.': return 75;
    case '[': case '(': case '@': case '#': return 80;
    case '{': return 70;
    case '?': return 20;
    case '+': case '-': case '&': return 50;
    case '*': case '/': case '%': return 60;
    case '=': case '<': case '>': case '^': return 40;
    default: return 0;
    }
  }
  if (tok_is(P, "..")) return 0;
  if (tok_is(P, ":=")) return 10;
  if (tok_is(P, "!=") || tok_is(P, "<=") || tok_is(P, ">=") || tok_is(P, "~>") || tok_is(P, "in")) return 40;
  if (tok_is(P, "**")) return 60;
  if (tok_is(P, "and")) return 30;
  if (tok_is(P, "or")) return 25;
  return 0;
}

static jnode *expression(jparser *P, int rbp);

static void push_kid(jparser *P, jnode ***arr, int *n, jnode *k) {
  *arr = ja_grow(P->A, *arr, (size_t)*n * sizeof(jnode *), (size_t)(*n + 1) * sizeof(jnode *));
  (*arr)[(*n)++] = k;
}

/* Object constructor pairs `k: v, ...` up to `}`. */
static void parse_pairs(jparser *P, jnode *x) {
  if (!tok_is(P, "}")) {
    for (;;) {
      jnode *k = expression(P, 0), *v;
      expect(P, ":");
      v = expression(P, 0);
      push_kid(P, &x->pairs, &x->npairs, k);
      push_kid(P, &x->pairs, &x->npairs, v);
      if (!tok_is(P, ",")) break;
      jlex(P);
    }
  }
  x->npairs /= 2;
  expect(P, "}");
}

static jnode *nud(jparser *P) {
  jtok t = P->tok;
  jnode *x;
  switch (t.type) {
  case T_END: jperr(P, "S0207", t.pos, "Unexpected end of expression");
  case T_STR:
    jlex(P);
    x = new_node(P, N_STRING, t.pos);
    x->lit = t.val;
    return x;
  case T_NUM:
    jlex(P);
    x = new_node(P, N_NUMBER, t.pos);
    x->lit = t.val;
    return x;
  case T_VALUE:
    jlex(P);
    x = new_node(P, N_VALUE, t.pos);
    x->lit = t.val;
    return x;
  case T_REGEX:
    jlex(P);
    x = new_node(P, N_REGEX, t.pos);
    x->lit = t.val;
    return x;
  case T_NAME:
    jlex(P);
    x = new_node(P, N_NAME, t.pos);
    x->str = t.s;
    x->slen = t.len;
    return x;
  case T_VAR:
    jlex(P);
    x = new_node(P, N_VARIABLE, t.pos);
    x->str = t.s;
    x->slen = t.len;
    return x;
  default: break;
  }
  /* operators in prefix position */
  if (tok_is(P, "and") || tok_is(P, "or") || tok_is(P, "in")) {
    jlex(P);
    x = new_node(P, N_NAME, t.pos);
    x->str = t.s;
    x->slen = t.len;
    return x;
  }
  if (tok_is(P, "-")) {
    jlex(P);
    x = new_node(P, N_NEG, t.pos);
    x->lhs = expression(P, 70);
    return x;
  }
  if (tok_is(P, "*")) {
    jlex(P);
    return new_node(P, N_WILDCARD, t.pos);
  }
  if (tok_is(P, "**")) {
    jlex(P);
    return new_node(P, N_DESCENDANT, t.pos);
  }
  if (tok_is(P, "%")) {
    jlex(P);
    return new_node(P, N_PARENT, t.pos);
  }
  if (tok_is(P, "(")) {
    jlex(P);
    x = new_node(P, N_BLOCK, t.pos);
    while (!tok_is(P, ")")) {
      push_kid(P, &x->kids, &x->nkids, expression(P, 0));
      if (!tok_is(P, ";")) break;
      jlex(P);
    }
    expect(P, ")");
    return x;
  }
  if (tok_is(P, "[")) {
    jlex(P);
    x = new_node(P, N_ARRAY, t.pos);
    if (!tok_is(P, "]")) {
      for (;;) {
        jnode *item = expression(P, 0);
        if (tok_is(P, "..")) {
          jnode *r = new_node(P, N_BINARY, P->tok.pos);
          r->op = OP_RANGE;
          r->str = "..";
          r->slen = 2;
          jlex(P);
          r->lhs = item;
          r->rhs = expression(P, 0);
          item = r;
        }
        push_kid(P, &x->kids, &x->nkids, item);
        if (!tok_is(P, ",")) break;
        jlex(P);
      }
    }
    expect(P, "]");
    return x;
  }
  if (tok_is(P, "{")) {
    jlex(P);
    x = new_node(P, N_OBJECT, t.pos);
    parse_pairs(P, x);
    return x;
  }
  if (tok_is(P, "|")) {
    jlex(P);
    x = new_node(P, N_TRANSFORM, t.pos);
    x->lhs = expression(P, 0);
    expect(P, "|");
    x->rhs = expression(P, 0);
    if (tok_is(P, ",")) {
      jlex(P);
      x->third = expression(P, 0);
    }
    expect(P, "|");
    return x;
  }
  jperr(P, "S0211", t.pos, "The symbol \"%.*s\" cannot be used as a unary operator", (int)t.len, t.s);
  return NULL;
}

/* The signature after `function(...)`: raw characters up to the matching `>`. */
static void lambda_signature(jparser *P, jnode *x) {
  /* the current token is `<`; read raw text from just before P->pos */
  size_t start = (size_t)P->tok.start, i = start;
  int depth = 0;
  while (i < P->len) {
    if (P->src[i] == '<') depth++;
    else if (P->src[i] == '>') {
      depth--;
      if (depth == 0) break;
    }
    i++;
  }
  if (i >= P->len) jperr(P, "S0401", (int)i, "Invalid function signature");
  x->sig = ja_alloc(P->A, sizeof(jsig));
  jsig_parse(P->A, P->src + start, i - start + 1, x->sig);
  P->pos = i + 1;
  P->prev_operand = 1;
  jlex(P);
}

static jnode *led(jparser *P, jnode *left) {
  jtok t = P->tok;
  jnode *x;
  jlex(P);
  if (t.len == 1 && t.type == T_OP) {
    switch (t.s[0]) {
    case '.':
      x = new_node(P, R_DOT, t.pos);
      x->lhs = left;
      x->rhs = expression(P, 75);
      return x;
    case '[':
      if (tok_is(P, "]")) {
        jnode *step = left;
        while (step && step->type == R_PRED) step = step->lhs;
        step->keep_array = 1;
        jlex(P);
        return left;
      }
      x = new_node(P, R_PRED, t.pos);
      x->lhs = left;
      x->rhs = expression(P, 0);
      expect(P, "]");
      return x;
    case '{':
      x = new_node(P, R_GROUP, t.pos);
      x->lhs = left;
      parse_pairs(P, x);
      return x;
    case '(': {
      int partial = 0;
      x = new_node(P, N_FUNCTION, t.pos);
      x->lhs = left;
      if (!tok_is(P, ")")) {
        for (;;) {
          if (tok_is(P, "?")) {
            partial = 1;
            push_kid(P, &x->kids, &x->nkids, new_node(P, N_PLACEHOLDER, P->tok.pos));
            jlex(P);
          } else {
            push_kid(P, &x->kids, &x->nkids, expression(P, 0));
          }
          if (!tok_is(P, ",")) break;
          jlex(P);
        }
      }
      expect(P, ")");
      if (left->type == N_NAME && ((left->slen == 8 && !memcmp(left->str, "function", 8)) ||
                                   (left->slen == 2 && !memcmp(left->str, "\xCE\xBB", 2)))) {
        int i;
        x->type = N_LAMBDA;
        for (i = 0; i < x->nkids; i++)
          if (x->kids[i]->type != N_VARIABLE)
            jperr(P, "S0208", x->kids[i]->pos, "Parameter %d of function definition must be a variable name (start with $)",
                 i + 1);
        if (tok_is(P, "<")) lambda_signature(P, x);
        expect(P, "{");
        x->rhs = expression(P, 0);
        expect(P, "}");
        return x;
      }
      if (partial) x->type = N_PARTIAL;
      return x;
    }
    case '@':
    case '#':
      if (P->tok.type != T_VAR)
        jperr(P, "S0214", P->tok.pos, "The right side of %c must be a variable name (start with $)", t.s[0]);
      x = new_node(P, t.s[0] == '@' ? R_FOCUS : R_INDEX, t.pos);
      x->lhs = left;
      x->str = P->tok.s;
      x->slen = P->tok.len;
      jlex(P);
      return x;
    case '^':
      x = new_node(P, R_SORT, t.pos);
      x->lhs = left;
      expect(P, "(");
      for (;;) {
        jnode *term;
        int desc = 0;
        if (tok_is(P, "<")) jlex(P);
        else if (tok_is(P, ">")) {
          desc = 1;
          jlex(P);
        }
        term = new_node(P, N_SORT, P->tok.pos);
        term->descending = (uint8_t)desc;
        term->lhs = expression(P, 0);
        push_kid(P, &x->kids, &x->nkids, term);
        if (!tok_is(P, ",")) break;
        jlex(P);
      }
      expect(P, ")");
      return x;
    case '?':
      x = new_node(P, N_CONDITION, t.pos);
      x->lhs = left;
      x->rhs = expression(P, 0);
      if (tok_is(P, ":")) {
        jlex(P);
        x->third = expression(P, 0);
      }
      return x;
    default: break;
    }
  }
  if (t.type == T_OP && t.len == 2 && !memcmp(t.s, ":=", 2)) {
    if (left->type != N_VARIABLE)
      jperr(P, "S0212", left->pos, "The left side of := must be a variable name (start with $)");
    x = new_node(P, N_BIND, t.pos);
    x->lhs = left;
    x->rhs = expression(P, 9);
    return x;
  }
  if (t.type == T_OP && t.len == 2 && !memcmp(t.s, "~>", 2)) {
    x = new_node(P, N_APPLY, t.pos);
    x->lhs = left;
    x->rhs = expression(P, 40);
    return x;
  }
  {
    static const struct {
      const char *s;
      int op, bp;
    } ops[] = {{"+", OP_ADD, 50},  {"-", OP_SUB, 50},  {"*", OP_MUL, 60},  {"/", OP_DIV, 60},   {"%", OP_MOD, 60},
               {"=", OP_EQ, 40},   {"!=", OP_NE, 40},  {"<", OP_LT, 40},   {"<=", OP_LE, 40},   {">", OP_GT, 40},
               {">=", OP_GE, 40},  {"&", OP_CONCAT, 50}, {"and", OP_AND, 30}, {"or", OP_OR, 25}, {"in", OP_IN, 40}};
    size_t i;
    for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
      if (t.type == T_OP && strlen(ops[i].s) == t.len && !memcmp(ops[i].s, t.s, t.len)) {
        x = new_node(P, N_BINARY, t.pos);
        x->op = (uint8_t)ops[i].op;
        x->str = ops[i].s;
        x->slen = t.len;
        x->lhs = left;
        x->rhs = expression(P, ops[i].bp);
        return x;
      }
  }
  jperr(P, "S0201", t.pos, "Syntax error: \"%.*s\"", (int)t.len, t.s);
  return NULL;
}

static jnode *expression(jparser *P, int rbp) {
  jnode *left;
  if (++P->depth > MAX_PARSE_DEPTH) jperr(P, "U1001", P->tok.pos, "Expression nested too deeply");
  left = nud(P);
  while (rbp < lbp(P)) left = led(P, left);
  P->depth--;
  return left;
}

/* ---- processing ---- */

static jnode *process(jparser *P, jnode *x);

static void push_seek(jparser *P, jnode *to, jslot *s) {
  to->seeking = ja_grow(P->A, to->seeking, (size_t)to->nseeking * sizeof(jslot *),
                        (size_t)(to->nseeking + 1) * sizeof(jslot *));
  to->seeking[to->nseeking++] = s;
}

/* pushAncestry: result inherits the slots value is still looking for. */
static void push_ancestry(jparser *P, jnode *result, jnode *value) {
  int i;
  if (!value) return;
  for (i = 0; i < value->nseeking; i++) push_seek(P, result, value->seeking[i]);
  if (value->type == N_PARENT && value->ancestor) push_seek(P, result, value->ancestor);
}

static jslot *seek_parent(jparser *P, jnode *node, jslot *slot) {
  switch (node->type) {
  case N_NAME:
  case N_WILDCARD:
    slot->level--;
    if (slot->level == 0) {
      if (node->ancestor) {
        P->ancestry[slot->index]->label = node->ancestor->label;
        P->ancestry[slot->index]->llen = node->ancestor->llen;
      }
      node->ancestor = slot;
      node->tuple = 1;
    }
    break;
  case N_PARENT: slot->level++; break;
  case N_BLOCK:
    if (node->nkids > 0) {
      node->tuple = 1;
      slot = seek_parent(P, node->kids[node->nkids - 1], slot);
    }
    break;
  case N_PATH: {
    int index = node->nkids - 1;
    node->tuple = 1;
    slot = seek_parent(P, node->kids[index--], slot);
    while (slot->level > 0 && index >= 0) slot = seek_parent(P, node->kids[index--], slot);
    break;
  }
  default:
    jperr(P, "S0217", node->pos, "The object representing the 'parent' cannot be derived from this expression");
  }
  return slot;
}

static void resolve_ancestry(jparser *P, jnode *path) {
  int index = path->nkids - 1, is, n;
  jnode *last = path->kids[index];
  jslot **slots;
  n = last->nseeking + (last->type == N_PARENT ? 1 : 0);
  if (n == 0) return;
  slots = ja_alloc(P->A, (size_t)n * sizeof(jslot *));
  for (is = 0; is < last->nseeking; is++) slots[is] = last->seeking[is];
  if (last->type == N_PARENT) slots[n - 1] = last->ancestor;
  for (is = 0; is < n; is++) {
    jslot *slot = slots[is];
    index = path->nkids - 2;
    while (slot->level > 0) {
      jnode *step;
      if (index < 0) {
        push_seek(P, path, slot);
        break;
      }
      step = path->kids[index--];
      while (index >= 0 && step->focus && path->kids[index]->focus) step = path->kids[index--];
      slot = seek_parent(P, step, slot);
    }
  }
}

static jnode *as_path(jparser *P, jnode *x) {
  jnode *p;
  if (x->type == N_PATH) return x;
  p = new_node(P, N_PATH, x->pos);
  push_kid(P, &p->kids, &p->nkids, x);
  return p;
}

static jnode *process(jparser *P, jnode *x) {
  jnode *r = x;
  int i;
  if (!x) return NULL;
  if (++P->depth > MAX_PARSE_DEPTH * 2) jperr(P, "U1001", x->pos, "Expression nested too deeply");
  switch (x->type) {
  case R_DOT: {
    jnode *lstep = process(P, x->lhs), *rest;
    r = lstep->type == N_PATH ? lstep : as_path(P, lstep);
    if (lstep->type == N_PARENT) push_seek(P, r, lstep->ancestor);
    rest = process(P, x->rhs);
    if (rest->type == N_PATH) {
      for (i = 0; i < rest->nkids; i++) push_kid(P, &r->kids, &r->nkids, rest->kids[i]);
    } else {
      if (rest->npreds) {
        rest->stages = ja_alloc(P->A, (size_t)rest->npreds * sizeof(jstage));
        for (i = 0; i < rest->npreds; i++) {
          rest->stages[i].is_index = 0;
          rest->stages[i].expr = rest->preds[i];
        }
        rest->nstages = rest->npreds;
        rest->preds = NULL;
        rest->npreds = 0;
      }
      push_kid(P, &r->kids, &r->nkids, rest);
    }
    for (i = 0; i < r->nkids; i++) {
      jnode *s = r->kids[i];
      if (s->type == N_NUMBER || s->type == N_VALUE) {
        if (s->type == N_NUMBER) {
          char num[64];
          jv_fmt_num(num, sizeof num, s->lit->u.n);
          jperr(P, "S0213", s->pos, "The literal value %s cannot be used as a step within a path expression", num);
        }
        jperr(P, "S0213", s->pos, "The literal value %s cannot be used as a step within a path expression",
             s->lit->t == JV_NULL ? "null" : s->lit->u.b ? "true" : "false");
      }
      if (s->type == N_STRING) {
        s->type = N_NAME;
        s->str = s->lit->u.s.p;
        s->slen = s->lit->u.s.len;
      }
      if (s->keep_array) r->keep_singleton = 1;
    }
    if (r->kids[0]->type == N_ARRAY) r->kids[0]->consarray = 1;
    if (r->kids[r->nkids - 1]->type == N_ARRAY) r->kids[r->nkids - 1]->consarray = 1;
    resolve_ancestry(P, r);
    break;
  }
  case R_PRED: {
    jnode *step, *pred;
    int in_path;
    r = process(P, x->lhs);
    in_path = r->type == N_PATH;
    step = in_path ? r->kids[r->nkids - 1] : r;
    if (step->has_group) jperr(P, "S0209", x->pos, "A predicate cannot follow a grouping expression in a step");
    pred = process(P, x->rhs);
    if (pred->nseeking) {
      for (i = 0; i < pred->nseeking; i++) {
        jslot *slot = pred->seeking[i];
        if (slot->level == 1) seek_parent(P, step, slot);
        else slot->level--;
      }
      push_ancestry(P, step, pred);
    }
    if (in_path) {
      step->stages = ja_grow(P->A, step->stages, (size_t)step->nstages * sizeof(jstage),
                             (size_t)(step->nstages + 1) * sizeof(jstage));
      step->stages[step->nstages].is_index = 0;
      step->stages[step->nstages].expr = pred;
      step->nstages++;
    } else {
      push_kid(P, &step->preds, &step->npreds, pred);
    }
    break;
  }
  case R_GROUP:
    r = process(P, x->lhs);
    if (r->has_group) jperr(P, "S0210", x->pos, "Each step can only have one grouping expression");
    r->has_group = 1;
    r->group_pos = x->pos;
    r->ngpairs = x->npairs;
    r->gpairs = ja_alloc(P->A, (size_t)(x->npairs * 2 + 1) * sizeof(jnode *));
    for (i = 0; i < x->npairs * 2; i++) r->gpairs[i] = process(P, x->pairs[i]);
    break;
  case R_SORT: {
    jnode *s = new_node(P, N_SORT, x->pos);
    r = as_path(P, process(P, x->lhs));
    for (i = 0; i < x->nkids; i++) {
      jnode *term = x->kids[i];
      term->lhs = process(P, term->lhs);
      push_ancestry(P, s, term->lhs);
      push_kid(P, &s->kids, &s->nkids, term);
    }
    push_kid(P, &r->kids, &r->nkids, s);
    resolve_ancestry(P, r);
    break;
  }
  case R_FOCUS: {
    jnode *step;
    r = process(P, x->lhs);
    step = r->type == N_PATH ? r->kids[r->nkids - 1] : r;
    if (step->nstages || step->npreds)
      jperr(P, "S0215", x->pos, "A context variable binding must precede any predicates on a step");
    if (step->type == N_SORT)
      jperr(P, "S0216", x->pos, "A context variable binding must precede the 'order-by' clause on a step");
    if (x->keep_array) step->keep_array = 1;
    step->focus = x->str;
    step->flen = x->slen;
    step->tuple = 1;
    break;
  }
  case R_INDEX: {
    jnode *step;
    r = process(P, x->lhs);
    if (r->type == N_PATH) step = r->kids[r->nkids - 1];
    else {
      step = r;
      r = as_path(P, r);
      if (step->npreds) {
        step->stages = ja_alloc(P->A, (size_t)step->npreds * sizeof(jstage));
        for (i = 0; i < step->npreds; i++) {
          step->stages[i].is_index = 0;
          step->stages[i].expr = step->preds[i];
        }
        step->nstages = step->npreds;
        step->preds = NULL;
        step->npreds = 0;
      }
    }
    if (step->nstages == 0) {
      step->index = x->str;
      step->ilen = x->slen;
    } else {
      step->stages = ja_grow(P->A, step->stages, (size_t)step->nstages * sizeof(jstage),
                             (size_t)(step->nstages + 1) * sizeof(jstage));
      step->stages[step->nstages].is_index = 1;
      step->stages[step->nstages].expr = NULL;
      step->stages[step->nstages].var = x->str;
      step->stages[step->nstages].vlen = x->slen;
      step->nstages++;
    }
    step->tuple = 1;
    break;
  }
  case N_BIND:
    x->rhs = process(P, x->rhs);
    push_ancestry(P, x, x->rhs);
    break;
  case N_APPLY:
    x->lhs = process(P, x->lhs);
    x->rhs = process(P, x->rhs);
    if (x->lhs->keep_array || x->rhs->keep_array) x->keep_array = 1;
    break;
  case N_BINARY:
    x->lhs = process(P, x->lhs);
    x->rhs = process(P, x->rhs);
    push_ancestry(P, x, x->lhs);
    push_ancestry(P, x, x->rhs);
    break;
  case N_NEG:
    x->lhs = process(P, x->lhs);
    if (x->lhs->type == N_NUMBER && !x->lhs->npreds && !x->lhs->keep_array) {
      r = x->lhs;
      r->lit = jv_num(P->A, -r->lit->u.n);
    } else {
      push_ancestry(P, x, x->lhs);
    }
    break;
  case N_ARRAY:
  case N_BLOCK:
    for (i = 0; i < x->nkids; i++) {
      x->kids[i] = process(P, x->kids[i]);
      push_ancestry(P, x, x->kids[i]);
      if (x->type == N_BLOCK &&
          (x->kids[i]->consarray || (x->kids[i]->type == N_PATH && x->kids[i]->kids[0]->consarray)))
        x->consarray = 1;
    }
    break;
  case N_OBJECT:
    for (i = 0; i < x->npairs * 2; i++) {
      x->pairs[i] = process(P, x->pairs[i]);
      push_ancestry(P, x, x->pairs[i]);
    }
    break;
  case N_FUNCTION:
  case N_PARTIAL:
    for (i = 0; i < x->nkids; i++) {
      x->kids[i] = process(P, x->kids[i]);
      push_ancestry(P, x, x->kids[i]);
    }
    x->lhs = process(P, x->lhs);
    break;
  case N_LAMBDA:
    x->rhs = process(P, x->rhs);
    break;
  case N_CONDITION:
    x->lhs = process(P, x->lhs);
    push_ancestry(P, x, x->lhs);
    x->rhs = process(P, x->rhs);
    push_ancestry(P, x, x->rhs);
    if (x->third) {
      x->third = process(P, x->third);
      push_ancestry(P, x, x->third);
    }
    break;
  case N_TRANSFORM:
    x->lhs = process(P, x->lhs);
    x->rhs = process(P, x->rhs);
    if (x->third) x->third = process(P, x->third);
    break;
  case N_NAME:
    r = as_path(P, x);
    if (x->keep_array) r->keep_singleton = 1;
    break;
  case N_PARENT: {
    jslot *s = ja_alloc(P->A, sizeof *s);
    char lab[24];
    int l = snprintf(lab, sizeof lab, "!%d", P->anc_label++);
    s->label = ja_strndup(P->A, lab, (size_t)l);
    s->llen = (size_t)l;
    s->level = 1;
    s->index = P->anc_index++;
    x->ancestor = s;
    P->ancestry = ja_grow(P->A, P->ancestry, (size_t)P->nanc * sizeof(jslot *), (size_t)(P->nanc + 1) * sizeof(jslot *));
    P->ancestry[P->nanc++] = s;
    break;
  }
  default: break;
  }
  if (x->keep_array) r->keep_array = 1;
  P->depth--;
  return r;
}

void jparse(sfn_jsonata *e, const char *src, size_t len) {
  jparser P;
  jnode *ast;
  memset(&P, 0, sizeof P);
  P.e = e;
  P.A = &e->A;
  P.src = src;
  P.len = len;
  jlex(&P);
  ast = expression(&P, 0);
  if (P.tok.type != T_END)
    jperr(&P, "S0201", P.tok.pos, "Syntax error: \"%.*s\"", (int)P.tok.len, P.tok.s ? P.tok.s : "");
  P.depth = 0;
  ast = process(&P, ast);
  if (ast->type == N_PARENT || ast->nseeking)
    jperr(&P, "S0217", ast->pos, "The object representing the 'parent' cannot be derived from this expression");
  e->root = ast;
}

