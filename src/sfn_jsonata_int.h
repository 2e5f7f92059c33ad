/*
 * sfn_jsonata_int.h: internals shared by the JSONata lexer/parser
 * (sfn_jsonata_parse.c), values (sfn_jsonata_val.c), evaluator
 * (sfn_jsonata.c) and function application (sfn_jsonata_call.c).
 *
 * Memory: everything an evaluation creates lives in one arena that is
 * dropped as a whole when the evaluation ends; everything a compile creates
 * (the syntax tree, literals) lives in the compiled expression's arena.
 * Errors unwind with longjmp to the API entry point (sfn_jsonata_compile /
 * sfn_jsonata_eval), which is safe because no value outside an arena is
 * held across a call that can fail.
 */
#ifndef SFN_JSONATA_INT_H
#define SFN_JSONATA_INT_H

#include <setjmp.h>

#include "sfn_jsonata.h"
#include "sfn_jsonata_fns.h"

#if defined(__GNUC__)
#define JNORETURN __attribute__((noreturn))
#else
#define JNORETURN
#endif

/* ---- arena ---- */

typedef struct jchunk {
  struct jchunk *next;
  size_t size;
} jchunk;

typedef struct jarena {
  jchunk *chunks;
  char *p, *end;
  size_t total, limit; /* bytes allocated; limit 0 = none */
  jmp_buf *jb;         /* where errors unwind to */
  sfn_error *err;
  /* Conversions shared across evaluations (sfn_jsonata_env.cache), or NULL;
   * mark_shared: containers built here carry JF_SHARED (never mutate them). */
  struct sfn_jsonata_cache *shared;
  int mark_shared;
} jarena;

void *ja_alloc(jarena *A, size_t n);
void *ja_grow(jarena *A, void *old, size_t oldn, size_t newn);
char *ja_strndup(jarena *A, const char *s, size_t n);
void ja_free_all(jarena *A);
/* Set A->err and unwind (never returns). */
void ja_throw(jarena *A, const char *code, const char *fmt, ...) SFN_PRINTF(3, 4) JNORETURN;
void ja_oom(jarena *A) JNORETURN;

/* A string builder in an arena (nothing to free, safe to unwind). */
typedef struct jsb {
  jarena *A;
  char *p;
  size_t n, cap;
} jsb;
void jsb_init(jsb *b, jarena *A);
void jsb_add(jsb *b, const char *s, size_t n);
void jsb_addc(jsb *b, char c);
void jsb_adds(jsb *b, const char *s);

/* ---- values ---- */

enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ, JV_FN, JV_RE };
/* Array flags: a sequence (a result of navigation, unwrapped when it has one
 * item), keep a singleton as array, the wrapper around an array input, a
 * tuple stream, an array built by an array constructor. */
enum { JF_SEQ = 1, JF_KEEP = 2, JF_OUTER = 4, JF_TUPLE = 8, JF_CONS = 16, JF_SHARED = 32 };

typedef struct jv jv;
typedef struct jfn jfn;
typedef struct jnode jnode;
typedef struct jframe jframe;

typedef struct jmem {
  const char *k;
  size_t klen;
  jv *v;
} jmem;

struct jobjd {
  size_t n, cap;
  jmem *m;
  uint32_t *idx; /* open addressing: position + 1, 0 = empty */
  size_t icap;
};

struct jv {
  uint8_t t, flags;
  union {
    int b;
    double n;
    struct {
      size_t len;
      const char *p;
    } s;
    struct {
      size_t n, cap;
      jv **it;
    } a;
    struct jobjd *o;
    jfn *f;
    const sfn_jn_regex *re;
  } u;
};

extern jv jv_null_v, jv_true_v, jv_false_v;
#define JNULL (&jv_null_v)
#define JTRUE (&jv_true_v)
#define JFALSE (&jv_false_v)
#define JBOOL(b) ((b) ? JTRUE : JFALSE)

jv *jv_num(jarena *A, double d);
jv *jv_str(jarena *A, const char *s, size_t len); /* copies */
jv *jv_str_nocopy(jarena *A, const char *s, size_t len);
jv *jv_arr(jarena *A, size_t cap);
jv *jv_seq(jarena *A, size_t cap); /* an array flagged JF_SEQ */
void jv_push(jarena *A, jv *a, jv *v);
jv *jv_obj(jarena *A, size_t cap);
jv *jv_get(const jv *o, const char *k, size_t klen);
void jv_set(jarena *A, jv *o, const char *k, size_t klen, jv *v);
void jv_del(jv *o, const char *k, size_t klen);

/* Conversion from and to the engine's values.  to_sfn: NULL on OOM; functions
 * inside arrays become null and inside objects are left out (JSON.stringify);
 * a function at the top gives *undef = 1. */
/* copy: copy strings (else they point into v, which must outlive the arena). */
jv *jv_from_sfn(jarena *A, const sfn_value *v, int depth, int copy);
/* Throws (through A) on OOM or a value nested deeper than JV_MAX_NEST. */
sfn_value *jv_to_sfn(jarena *A, const jv *v);
#define JV_MAX_NEST 1000

/* The shared conversion of a large container v (sfn_jsonata_cache.c):
 * converted once per cache, reused by later evaluations. */
jv *jcache_get(jarena *A, const sfn_value *v, int depth);
/* Before an evaluation: drop everything when the cache is over its budget. */
void jcache_begin(struct sfn_jsonata_cache *c);
/* Deep equality (JSONata's =). */
int jv_equal(jarena *A, const jv *a, const jv *b, int depth);
/* Effective boolean value; -1 for undefined. */
int jv_boolean(const jv *v);
/* Deep copy (for transforms). */
jv *jv_clone(jarena *A, const jv *v, int depth);
/* Number formatting as JavaScript's Number.prototype.toString. */
void jv_fmt_num(char *out, size_t cap, double d);
/* $string: strings as is, numbers with 15 significant digits, others as
 * JSON (functions as ""); pretty when pretty != 0. */
jv *jv_stringify(jarena *A, const jv *v, int pretty);
/* JSON text of a value for error messages (strings quoted). */
const char *jv_describe(jarena *A, const jv *v);
int jv_is_integer(const jv *v);

/* ---- syntax tree ---- */

enum {
  /* evaluated nodes */
  N_PATH = 1, N_BINARY, N_NEG, N_ARRAY, N_OBJECT, N_NAME, N_STRING, N_NUMBER, N_VALUE,
  N_VARIABLE, N_REGEX, N_WILDCARD, N_DESCENDANT, N_PARENT, N_CONDITION, N_BLOCK, N_BIND,
  N_FUNCTION, N_PARTIAL, N_LAMBDA, N_APPLY, N_TRANSFORM, N_SORT, N_PLACEHOLDER,
  /* only before processing */
  R_DOT, R_PRED, R_GROUP, R_SORT, R_FOCUS, R_INDEX, R_OPERATOR
};

/* Binary operators. */
enum { OP_ADD = 1, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
       OP_CONCAT, OP_AND, OP_OR, OP_IN, OP_RANGE };

typedef struct jslot {
  const char *label; /* "!0", "!1", ... */
  size_t llen;
  int level, index;
} jslot;

typedef struct jstage {
  int is_index;   /* 0: filter (expr), 1: index binding (var) */
  jnode *expr;
  const char *var;
  size_t vlen;
} jstage;

typedef struct jsig jsig;

struct jnode {
  uint8_t type, op;
  uint8_t keep_array, consarray, keep_singleton, tuple, thunk, descending;
  int pos;
  const char *str; /* name, variable name, operator text */
  size_t slen;
  jv *lit;         /* literal value; regex */
  jnode *lhs, *rhs, *third; /* binary; condition cond/then/else; transform pattern/update/delete;
                               function/partial: lhs = procedure; bind; apply */
  jnode **kids;    /* path steps, array items, block exprs, args, lambda params, sort terms */
  int nkids;
  jnode **pairs;   /* object constructor / group: 2 * npairs */
  int npairs;
  int group_pos;
  jnode **gpairs;  /* group-by attached to a step / node */
  int ngpairs;
  int has_group;
  jstage *stages;  /* path step stages */
  int nstages;
  jnode **preds;   /* predicates on a non-step node */
  int npreds;
  const char *focus, *index; /* @$x, #$i (names without $) */
  size_t flen, ilen;
  jslot *ancestor;
  jslot **seeking; /* parent slots this node still looks for */
  int nseeking;
  jsig *sig;       /* lambda signature */
};

/* ---- functions ---- */

#define JSIG_MAX 12
typedef struct jsigp {
  char set[16];  /* accepted symbols */
  char type;     /* 'a', 'f', 's', ... or '(' for a choice */
  char mod;      /* 0, '?', '+' */
  int context;   /* '-' */
  char sub[16];  /* a<...> / f<...> parameter */
} jsigp;

struct jsig {
  int n;
  jsigp p[JSIG_MAX];
};

typedef struct jctx jctx;
typedef jv *(*jnative_fn)(jctx *c, jv **args, int nargs, jv *input);

typedef struct jnative {
  const char *name;
  const char *signature;
  jnative_fn fn;
  int arity;
} jnative;

enum { FN_LAMBDA, FN_NATIVE, FN_EXT, FN_PARTIAL, FN_CHAIN, FN_TRANSFORM, FN_REGEX };

struct jfn {
  int kind;
  const jnode *node;     /* lambda / transform node */
  jframe *env;           /* closure */
  jv *input;             /* lambda: context when defined */
  jnode **params;        /* lambda parameters (variables) */
  int nparams;
  const jnative *nat;
  const sfn_jn_builtin *ext;
  jv *target;            /* partial: the function; chain: f */
  jv *second;            /* chain: g */
  jv **args;             /* partial: bound args, JPLACE for holes */
  int nargs;
  const char *name;      /* for error messages */
  size_t nlen;
};

extern jv jv_place_v; /* the `?` placeholder of partial application */
#define JPLACE (&jv_place_v)

/* ---- scopes ---- */

typedef struct jbind {
  const char *name;
  size_t len;
  jv *v;
} jbind;

struct jframe {
  jframe *parent;
  size_t n, cap;
  jbind *b;
};

jframe *jframe_new(jarena *A, jframe *parent);
void jframe_bind(jarena *A, jframe *f, const char *name, size_t len, jv *v);
/* 1 and *out when bound in f or a parent (value may be NULL = undefined). */
int jframe_find(const jframe *f, const char *name, size_t len, jv **out);

/* ---- compiled expression ---- */

typedef struct jregex_list {
  sfn_jn_regex *re;
  struct jregex_list *next;
} jregex_list;

struct sfn_jsonata {
  jarena A;
  jnode *root;
  char *src;
  size_t len;
  jregex_list *regexes;
};

/* ---- lexer (sfn_jsonata_lex.c) and parser (sfn_jsonata_parse.c) ---- */

enum { T_END, T_OP, T_STR, T_NUM, T_VALUE, T_NAME, T_VAR, T_REGEX };

typedef struct jtok {
  int type;
  const char *s; /* operator text / name */
  size_t len;
  jv *val;       /* string / number / value / regex */
  int pos;       /* position after the token (as JSONata reports) */
  int start;
} jtok;

typedef struct jparser {
  sfn_jsonata *e;
  jarena *A;
  const char *src;
  size_t len, pos;
  jtok tok;      /* the current token */
  int depth;
  int prev_operand; /* the previous token ends an operand (a `/` is division) */
  int anc_label, anc_index;
  jslot **ancestry; /* the parent slots, by index */
  int nanc, canc;
} jparser;

/* Set the error (with its position) and unwind through P->A->jb. */
void jperr(jparser *P, const char *code, int pos, const char *fmt, ...) SFN_PRINTF(4, 5) JNORETURN;
/* Read the next token into P->tok. */
void jlex(jparser *P);

/* Parse src into e->root (in e->A); unwinds through e->A.jb on error. */
void jparse(sfn_jsonata *e, const char *src, size_t len);
/* Parse a signature string ("<s-n?:s>"); sets an S04xx error through A. */
void jsig_parse(jarena *A, const char *s, size_t len, jsig *out);

/* ---- evaluation ---- */

struct jctx {
  jarena A;
  sfn_jsonata_env *env;
  uint32_t depth, max_depth;
  uint64_t steps, max_steps;
  jframe *global; /* `$$` */
  jframe *cache;  /* names resolved through env->lookup (NULL value: unknown there) */
  jv *input;
  sfn_jsonata_env local_env; /* when the caller gave no env */
  /* engine values alive during a call of a plain built-in (released if
   * an error unwinds) */
  sfn_value **pend;
  int npend;
  sfn_value *pend_out;
};

jv *jeval(jctx *c, const jnode *n, jv *input, jframe *env);
/* Apply fn to args (an evaluated call); input is the calling context. */
jv *japply(jctx *c, jv *fn, jv **args, int nargs, jv *input, const char *name, size_t nlen, int pos);
int jfn_arity(const jv *fn);
const jnative *jnative_find(const char *name, size_t len);
/* The signature symbol of a value ('s', 'n', 'b', 'l', 'a', 'o', 'f', 'm'). */
int jsym(const jv *v);
/* Call a plain built-in with validated arguments (converted to sfn_values). */
jv *jcall_ext(jctx *c, const sfn_jn_builtin *b, jv **args, int nargs, int pos);
jv *jlookup_var(jctx *c, jframe *env, const char *name, size_t len);
/* Throw a JSONata error from the evaluator. */
void jerr(jctx *c, const char *code, int pos, const char *fmt, ...) SFN_PRINTF(4, 5) JNORETURN;
/* Sequence helpers. */
jv *jappend(jctx *c, jv *a, jv *b);
jv *jlookup_key(jctx *c, jv *input, const char *k, size_t klen);
/* A sequence result as evaluate() hands it on: empty -> undefined, one item
 * -> the item (unless kept as array). */
jv *jnormalize(jv *r, int keep_array);
jv *jeval_transform(jctx *c, const jnode *n, jframe *env);
jv *jeval_function(jctx *c, const jnode *n, jv *input, jframe *env, jv *applyto, int has_applyto);
jv *jeval_partial(jctx *c, const jnode *n, jv *input, jframe *env);
jv *jeval_apply(jctx *c, const jnode *n, jv *input, jframe *env);
#define JTYPE(v) ((v) ? (v)->t : 255)
#define IS_ARR(v) ((v) && (v)->t == JV_ARR)
#define IS_SEQ(v) ((v) && (v)->t == JV_ARR && ((v)->flags & JF_SEQ))
#define IS_FN(v) ((v) && ((v)->t == JV_FN || (v)->t == JV_RE))

#endif
