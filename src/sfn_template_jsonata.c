/*
 * sfn_template_jsonata.c: JSON values with `{% %}` JSONata expressions
 * (see sfn_template_jsonata.h).  A subtree without expressions is kept as
 * one literal; objects and arrays holding expressions are rebuilt at each
 * evaluation.
 */
#include "sfn_template_jsonata.h"

#include <stdio.h>
#include <string.h>

enum { J_LIT, J_EXPR, J_OBJ, J_ARR };

typedef struct jnode {
  int kind;
  sfn_value *lit;     /* J_LIT */
  sfn_jsonata *expr;  /* J_EXPR */
  char *text;         /* J_EXPR: the expression as written, trimmed */
  char *loc;          /* J_EXPR: "Output/result" */
  size_t n;
  sfn_value **keys;   /* J_OBJ */
  struct jnode *kids; /* J_OBJ / J_ARR */
} jnode;

struct sfn_jtemplate {
  jnode root;
};

int sfn_jtemplate_is_expr(const sfn_value *v) {
  size_t n;
  const char *s;
  if (sfn_type_of(v) != SFN_STRING) return 0;
  n = sfn_strlen(v);
  s = sfn_str(v);
  return n >= 4 && s[0] == '{' && s[1] == '%' && s[n - 2] == '%' && s[n - 1] == '}';
}

static int has_expr(const sfn_value *v) {
  size_t i;
  switch (sfn_type_of(v)) {
    case SFN_STRING: return sfn_jtemplate_is_expr(v);
    case SFN_ARRAY:
      for (i = 0; i < sfn_array_len(v); i++)
        if (has_expr(sfn_array_at(v, i))) return 1;
      return 0;
    case SFN_OBJECT:
      for (i = 0; i < sfn_object_len(v); i++)
        if (has_expr(sfn_object_val(v, i))) return 1;
      return 0;
    default: return 0;
  }
}

static void node_free(jnode *n) {
  size_t i;
  sfn_decref(n->lit);
  sfn_jsonata_free(n->expr);
  sfn_free(n->text);
  sfn_free(n->loc);
  for (i = 0; n->kids && i < n->n; i++) node_free(&n->kids[i]);
  for (i = 0; n->keys && i < n->n; i++) sfn_decref(n->keys[i]);
  sfn_free(n->kids);
  sfn_free(n->keys);
}

static char *join_loc(const char *base, const char *name, size_t len) {
  size_t bl = strlen(base);
  char *s = sfn_malloc(bl + len + 2);
  if (!s) return NULL;
  memcpy(s, base, bl);
  s[bl] = '/';
  memcpy(s + bl + 1, name, len);
  s[bl + 1 + len] = '\0';
  return s;
}

static int node_compile(jnode *n, sfn_value *v, const char *loc, sfn_error *err) {
  size_t i;
  memset(n, 0, sizeof *n);
  if (!has_expr(v)) {
    n->kind = J_LIT;
    n->lit = sfn_incref(v);
    return SFN_OK;
  }
  if (sfn_type_of(v) == SFN_STRING) {
    const char *s = sfn_str(v) + 2;
    size_t len = sfn_strlen(v) - 4;
    while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r')) len--;
    n->kind = J_EXPR;
    n->text = sfn_strndup(s, len);
    n->loc = sfn_strndup(loc, strlen(loc));
    if (!n->text || !n->loc) return sfn_error_oom(err);
    n->expr = sfn_jsonata_compile(s, len, err);
    if (!n->expr) {
      if (err && strcmp(err->code, "OutOfMemory") != 0) {
        char *m = err->message;
        err->message = NULL;
        sfn_error_set(err, "InvalidDefinition", "The JSONata expression '%s' specified for the field '%s' is not valid: %s",
                      n->text, loc, m ? m : "");
        sfn_free(m);
      }
      return SFN_ERR;
    }
    return SFN_OK;
  }
  n->n = sfn_type_of(v) == SFN_OBJECT ? sfn_object_len(v) : sfn_array_len(v);
  n->kids = sfn_malloc((n->n ? n->n : 1) * sizeof(jnode));
  if (!n->kids) return sfn_error_oom(err);
  memset(n->kids, 0, (n->n ? n->n : 1) * sizeof(jnode));
  if (sfn_type_of(v) == SFN_OBJECT) {
    n->kind = J_OBJ;
    n->keys = sfn_malloc((n->n ? n->n : 1) * sizeof(sfn_value *));
    if (!n->keys) {
      n->n = 0;
      return sfn_error_oom(err);
    }
    memset(n->keys, 0, (n->n ? n->n : 1) * sizeof(sfn_value *));
    for (i = 0; i < n->n; i++) {
      sfn_value *k = sfn_object_key(v, i);
      char *sub = join_loc(loc, sfn_str(k), sfn_strlen(k));
      int rc;
      n->keys[i] = sfn_incref(k);
      if (!sub) return sfn_error_oom(err);
      rc = node_compile(&n->kids[i], sfn_object_val(v, i), sub, err);
      sfn_free(sub);
      if (rc != SFN_OK) return SFN_ERR;
    }
  } else {
    n->kind = J_ARR;
    for (i = 0; i < n->n; i++) {
      char idx[32], *sub;
      int rc;
      snprintf(idx, sizeof idx, "%zu", i);
      sub = join_loc(loc, idx, strlen(idx));
      if (!sub) return sfn_error_oom(err);
      rc = node_compile(&n->kids[i], sfn_array_at(v, i), sub, err);
      sfn_free(sub);
      if (rc != SFN_OK) return SFN_ERR;
    }
  }
  return SFN_OK;
}

sfn_jtemplate *sfn_jtemplate_compile(sfn_value *v, const char *field, sfn_error *err) {
  sfn_jtemplate *t = sfn_malloc(sizeof *t);
  if (!t) {
    sfn_error_oom(err);
    return NULL;
  }
  if (node_compile(&t->root, v, field, err) != SFN_OK) {
    sfn_jtemplate_free(t);
    return NULL;
  }
  return t;
}

void sfn_jtemplate_free(sfn_jtemplate *t) {
  if (!t) return;
  node_free(&t->root);
  sfn_free(t);
}

int sfn_jtemplate_is_single(const sfn_jtemplate *t) { return t->root.kind == J_EXPR; }
const char *sfn_jtemplate_text(const sfn_jtemplate *t) { return t->root.kind == J_EXPR ? t->root.text : NULL; }
const char *sfn_jtemplate_location(const sfn_jtemplate *t) { return t->root.kind == J_EXPR ? t->root.loc : NULL; }

static int node_eval(const jnode *n, sfn_jsonata_env *env, sfn_value **out, const char **location, sfn_error *err) {
  size_t i;
  sfn_value *r;
  int rc;
  switch (n->kind) {
    case J_LIT: *out = sfn_incref(n->lit); return SFN_OK;
    case J_EXPR:
      rc = sfn_jsonata_eval(n->expr, env, out, err);
      if (rc == SFN_OK) return SFN_OK;
      if (location) *location = n->loc;
      if (rc == SFN_NOTFOUND)
        return sfn_error_set(err, "States.QueryEvaluationError",
                             "The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).",
                             n->text, n->loc);
      if (err && strcmp(err->code, "OutOfMemory") != 0) {
        char *m = err->message;
        char code[64];
        memcpy(code, err->code, sizeof code);
        err->message = NULL;
        sfn_error_set(err, "States.QueryEvaluationError", "%s: %s", code, m ? m : "");
        sfn_free(m);
      }
      return SFN_ERR;
    case J_OBJ:
      r = sfn_object_new(n->n);
      if (!r) return sfn_error_oom(err);
      for (i = 0; i < n->n; i++) {
        sfn_value *x = NULL;
        if (node_eval(&n->kids[i], env, &x, location, err) != SFN_OK) {
          sfn_decref(r);
          return SFN_ERR;
        }
        if (sfn_object_setk(r, n->keys[i], x) != SFN_OK) {
          sfn_decref(r);
          return sfn_error_oom(err);
        }
      }
      *out = r;
      return SFN_OK;
    default:
      r = sfn_array_new(n->n);
      if (!r) return sfn_error_oom(err);
      for (i = 0; i < n->n; i++) {
        sfn_value *x = NULL;
        if (node_eval(&n->kids[i], env, &x, location, err) != SFN_OK) {
          sfn_decref(r);
          return SFN_ERR;
        }
        if (sfn_array_push(r, x) != SFN_OK) {
          sfn_decref(r);
          return sfn_error_oom(err);
        }
      }
      *out = r;
      return SFN_OK;
  }
}

int sfn_jtemplate_eval(const sfn_jtemplate *t, sfn_jsonata_env *env, sfn_value **out, const char **location,
                       sfn_error *err) {
  *out = NULL;
  if (location) *location = NULL;
  return node_eval(&t->root, env, out, location, err);
}
