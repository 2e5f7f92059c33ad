/*
 * sfn_template.c: payload templates (Parameters, ResultSelector,
 * ItemSelector).  Compiling turns the template into a tree whose literal
 * parts are shared as they are and whose `.$` fields hold a compiled path or
 * intrinsic call, so evaluating does no parsing: it walks the tree, builds
 * the objects and arrays that contain dynamic fields and shares the rest.
 *
 * A subtree without any `.$` field is one literal node: evaluating it is an
 * incref.  Object members keep the template's order; a `.$` key loses its
 * suffix in the output ("x.$" -> "x").
 */
#include "sfn_template.h"

#include "sfn_intrinsic.h"
#include "sfn_json.h"
#include "sfn_path.h"

#include <string.h>

#define MAX_DEPTH 512
/* Objects up to this size are built by writing members in place; sfn_value
 * indexes objects only beyond 8 members, so none is needed. */
#define DIRECT_MAX 8

typedef enum { TN_LITERAL, TN_PATH, TN_CALL, TN_OBJECT, TN_ARRAY } tn_kind;

typedef struct tnode tnode;

typedef struct tmember {
  sfn_value *key;   /* output key (without ".$") */
  sfn_value *field; /* the template key as written, for messages */
  tnode *val;
} tmember;

struct tnode {
  tn_kind kind;
  union {
    sfn_value *lit;    /* TN_LITERAL */
    sfn_path *path;    /* TN_PATH */
    sfn_intrinsic *fn; /* TN_CALL */
    struct {
      size_t n;
      tmember *m;
      int direct; /* output keys unique and few: members are written in place */
    } obj;             /* TN_OBJECT */
    struct {
      size_t n;
      tnode **items;
    } arr;             /* TN_ARRAY */
  } u;
};

struct sfn_template {
  tnode *root;
};

static void node_free(tnode *t) {
  size_t i;
  if (!t) return;
  switch (t->kind) {
    case TN_LITERAL: sfn_decref(t->u.lit); break;
    case TN_PATH: sfn_path_free(t->u.path); break;
    case TN_CALL: sfn_intrinsic_free(t->u.fn); break;
    case TN_OBJECT:
      for (i = 0; i < t->u.obj.n; i++) {
        sfn_decref(t->u.obj.m[i].key);
        sfn_decref(t->u.obj.m[i].field);
        node_free(t->u.obj.m[i].val);
      }
      sfn_free(t->u.obj.m);
      break;
    case TN_ARRAY:
      for (i = 0; i < t->u.arr.n; i++) node_free(t->u.arr.items[i]);
      sfn_free(t->u.arr.items);
      break;
  }
  sfn_free(t);
}

static tnode *node_new(tn_kind kind, sfn_error *err) {
  tnode *t = sfn_malloc(sizeof(tnode));
  if (!t) {
    sfn_error_oom(err);
    return NULL;
  }
  memset(t, 0, sizeof *t);
  t->kind = kind;
  return t;
}

static const char *type_name(const sfn_value *v) {
  switch (sfn_type_of(v)) {
    case SFN_NULL: return "NULL";
    case SFN_BOOL: return "BOOLEAN";
    case SFN_INT: case SFN_DOUBLE: return "NUMBER";
    case SFN_STRING: return "STRING";
    case SFN_ARRAY: return "ARRAY";
    default: return "OBJECT";
  }
}

static int is_dynamic_key(const sfn_value *k) {
  size_t n = sfn_strlen(k);
  return n >= 2 && sfn_str(k)[n - 2] == '.' && sfn_str(k)[n - 1] == '$';
}

/* The `.$` field `field` with string value v: a path, context path or call. */
static tnode *compile_dynamic(const sfn_value *field, const sfn_value *v, sfn_error *err) {
  sfn_error sub = {{0}, NULL, 0, 0};
  tnode *t;
  if (sfn_type_of(v) != SFN_STRING) {
    sfn_error_set(err, "InvalidDefinition",
                  "The value for the field '%s' must be a STRING that contains a JSONPath but was an %s",
                  sfn_str(field), type_name(v));
    return NULL;
  }
  if (sfn_intrinsic_is_call(sfn_str(v), sfn_strlen(v))) {
    if (!(t = node_new(TN_CALL, err))) return NULL;
    t->u.fn = sfn_intrinsic_compile(sfn_str(v), sfn_strlen(v), &sub);
  } else {
    if (!(t = node_new(TN_PATH, err))) return NULL;
    t->u.path = sfn_path_compile(sfn_str(v), sfn_strlen(v), SFN_PATH_ANY, &sub);
  }
  if (t->u.path || t->u.fn) return t;
  sfn_free(t);
  if (strcmp(sub.code, "OutOfMemory") == 0) {
    sfn_error_move(err, &sub);
    return NULL;
  }
  sfn_error_clear(&sub);
  sfn_error_set(err, "InvalidDefinition",
                "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call",
                sfn_str(field));
  return NULL;
}

/* Compile v.  *out is NULL for a subtree without dynamic fields (the caller
 * shares it as a literal). */
static int compile_node(sfn_value *v, int depth, tnode **out, sfn_error *err) {
  size_t i, n;
  int dynamic = 0;
  tnode *t;
  *out = NULL;
  if (depth > MAX_DEPTH) return sfn_error_set(err, "InvalidDefinition", "The template is nested too deeply");
  if (sfn_type_of(v) == SFN_OBJECT) {
    n = sfn_object_len(v);
    if (!(t = node_new(TN_OBJECT, err))) return SFN_ERR;
    if (n && !(t->u.obj.m = sfn_malloc(n * sizeof(tmember)))) {
      sfn_free(t);
      return sfn_error_oom(err);
    }
    for (i = 0; i < n; i++) {
      sfn_value *k = sfn_object_key(v, i), *val = sfn_object_val(v, i);
      tmember *m = &t->u.obj.m[i];
      memset(m, 0, sizeof *m);
      t->u.obj.n = i + 1;
      m->field = sfn_incref(k);
      if (is_dynamic_key(k)) {
        dynamic = 1;
        if (!(m->key = sfn_string(sfn_str(k), sfn_strlen(k) - 2))) goto oom;
        if (!(m->val = compile_dynamic(k, val, err))) goto fail;
      } else {
        m->key = sfn_incref(k);
        if (compile_node(val, depth + 1, &m->val, err) != SFN_OK) goto fail;
        if (m->val) dynamic = 1;
        else if (!(m->val = node_new(TN_LITERAL, err))) goto fail;
        else m->val->u.lit = sfn_incref(val);
      }
    }
  } else if (sfn_type_of(v) == SFN_ARRAY) {
    n = sfn_array_len(v);
    if (!(t = node_new(TN_ARRAY, err))) return SFN_ERR;
    if (n && !(t->u.arr.items = sfn_malloc(n * sizeof(tnode *)))) {
      sfn_free(t);
      return sfn_error_oom(err);
    }
    for (i = 0; i < n; i++) {
      sfn_value *item = sfn_array_at(v, i);
      t->u.arr.items[i] = NULL;
      t->u.arr.n = i + 1;
      if (compile_node(item, depth + 1, &t->u.arr.items[i], err) != SFN_OK) goto fail;
      if (t->u.arr.items[i]) dynamic = 1;
      else if (!(t->u.arr.items[i] = node_new(TN_LITERAL, err))) goto fail;
      else t->u.arr.items[i]->u.lit = sfn_incref(item);
    }
  } else {
    return SFN_OK; /* a scalar is literal */
  }
  if (!dynamic) {
    node_free(t);
    return SFN_OK;
  }
  if (t->kind == TN_OBJECT && t->u.obj.n <= DIRECT_MAX) {
    size_t j;
    t->u.obj.direct = 1;
    for (i = 0; i < t->u.obj.n; i++)
      for (j = 0; j < i; j++)
        if (sfn_value_equal(t->u.obj.m[i].key, t->u.obj.m[j].key)) t->u.obj.direct = 0;
  }
  *out = t;
  return SFN_OK;
oom:
  sfn_error_oom(err);
fail:
  node_free(t);
  return SFN_ERR;
}

sfn_template *sfn_template_compile(sfn_value *tpl, sfn_error *err) {
  sfn_template *t = sfn_malloc(sizeof(sfn_template));
  if (!t) {
    sfn_error_oom(err);
    return NULL;
  }
  if (compile_node(tpl, 0, &t->root, err) != SFN_OK) {
    sfn_free(t);
    return NULL;
  }
  if (!t->root) {
    if (!(t->root = node_new(TN_LITERAL, err))) {
      sfn_free(t);
      return NULL;
    }
    t->root->u.lit = sfn_incref(tpl);
  }
  return t;
}

void sfn_template_free(sfn_template *t) {
  if (!t) return;
  node_free(t->root);
  sfn_free(t);
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                         */
/* ------------------------------------------------------------------ */

/* "The JSONPath '$.x' specified for the field 'x.$' could not be found in the input '<json>'" */
static int path_not_found(const tmember *m, const sfn_path *p, sfn_eval_env *env, sfn_error *err) {
  sfn_buf b;
  sfn_value *doc = env->input ? env->input : sfn_null();
  sfn_buf_init(&b);
  if (sfn_json_encode_buf(doc, &b, NULL) != SFN_OK || b.oom) {
    sfn_buf_free(&b);
    return sfn_error_oom(err);
  }
  sfn_error_set(err, "States.Runtime",
                "The JSONPath '%s' specified for the field '%s' could not be found in the input '%.*s'",
                sfn_path_text(p), sfn_str(m->field), (int)b.len, b.data ? b.data : "");
  sfn_buf_free(&b);
  if (err && !err->message) return sfn_error_oom(err);
  return SFN_ERR;
}

static int eval_node(const tnode *t, const tmember *m, sfn_eval_env *env, sfn_value **out,
                     sfn_error *err) {
  size_t i;
  int rc;
  sfn_value *c;
  switch (t->kind) {
    case TN_LITERAL:
      *out = sfn_incref(t->u.lit);
      return SFN_OK;
    case TN_PATH:
      rc = sfn_path_eval(t->u.path, env, out, err);
      if (rc == SFN_NOTFOUND) return path_not_found(m, t->u.path, env, err);
      return rc;
    case TN_CALL:
      return sfn_intrinsic_eval(t->u.fn, env, out, err);
    case TN_OBJECT:
      if (!(c = sfn_object_new(t->u.obj.n))) return sfn_error_oom(err);
      for (i = 0; i < t->u.obj.n; i++) {
        const tmember *mm = &t->u.obj.m[i];
        sfn_value *v = NULL;
        if (eval_node(mm->val, mm, env, &v, err) != SFN_OK) {
          sfn_decref(c);
          return SFN_ERR;
        }
        if (t->u.obj.direct) {
          /* Unique keys, capacity n: append without a lookup. */
          c->u.o.m[c->u.o.n].key = sfn_incref(mm->key);
          c->u.o.m[c->u.o.n].val = v;
          c->u.o.n++;
        } else if (sfn_object_setk(c, mm->key, v) != SFN_OK) {
          sfn_decref(c);
          return sfn_error_oom(err);
        }
      }
      *out = c;
      return SFN_OK;
    case TN_ARRAY:
      if (!(c = sfn_array_new(t->u.arr.n))) return sfn_error_oom(err);
      for (i = 0; i < t->u.arr.n; i++) {
        sfn_value *v = NULL;
        if (eval_node(t->u.arr.items[i], m, env, &v, err) != SFN_OK) {
          sfn_decref(c);
          return SFN_ERR;
        }
        if (sfn_array_push(c, v) != SFN_OK) {
          sfn_decref(c);
          return sfn_error_oom(err);
        }
      }
      *out = c;
      return SFN_OK;
  }
  return SFN_ERR;
}

int sfn_template_eval(const sfn_template *t, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  *out = NULL;
  return eval_node(t->root, NULL, env, out, err);
}
