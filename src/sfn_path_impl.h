/*
 * sfn_path_impl.h: the compiled form of a JSONPath, shared by the compiler
 * (sfn_path.c) and the evaluator (sfn_path_eval.c).  Not a public header.
 *
 * A path is a root ($ or $$) followed by steps.  Each step is one selector
 * (a member name, an index, a wildcard, ...), optionally preceded by a deep
 * scan (`..`).  Filters hold a small expression tree whose operands are
 * literals or sub-paths relative to `@` (the candidate) or `$` (the
 * document root).
 */
#ifndef SFN_PATH_IMPL_H
#define SFN_PATH_IMPL_H

#include "sfn_path.h"

typedef enum step_kind {
  ST_FIELD,   /* .name  ['name'] */
  ST_NAMES,   /* ['a','b'] */
  ST_INDEX,   /* [3]  [-1] */
  ST_INDEXES, /* [0,2] */
  ST_WILD,    /* .*  [*] */
  ST_SLICE,   /* [a:b] */
  ST_FILTER,  /* [?(...)] */
  ST_FUNC     /* .length() ... (always last) */
} step_kind;

typedef enum path_func {
  FN_LENGTH, FN_SIZE, FN_MIN, FN_MAX, FN_AVG, FN_SUM, FN_STDDEV, FN_KEYS, FN_FIRST, FN_LAST
} path_func;

typedef struct fexpr fexpr;

typedef struct step {
  uint8_t kind; /* step_kind */
  uint8_t scan; /* preceded by `..` */
  uint8_t has_from, has_to;
  uint32_t n; /* ST_NAMES / ST_INDEXES: count */
  union {
    sfn_value *name;     /* ST_FIELD: an SFN_STRING */
    sfn_value **names;   /* ST_NAMES */
    int64_t index;       /* ST_INDEX */
    int64_t *indexes;    /* ST_INDEXES */
    struct { int64_t from, to; } slice;
    fexpr *filter;       /* ST_FILTER */
    int func;            /* ST_FUNC: path_func */
  } u;
} step;

/* A step sequence: the body of a path or of a filter operand path. */
typedef struct steps {
  step *v;
  size_t n, cap;
  int definite; /* only single names and single indexes (and a final function) */
} steps;

typedef enum fx_kind {
  FX_OR, FX_AND, FX_NOT, /* boolean structure */
  FX_EXISTS,             /* [?(@.x)] */
  FX_CMP                 /* a <op> b */
} fx_kind;

typedef enum fx_op {
  OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NIN, OP_CONTAINS, OP_SIZE, OP_EMPTY,
  OP_ANYOF, OP_NONEOF, OP_SUBSETOF, OP_REGEX
} fx_op;

/* An operand: a literal value or a path from `@` or `$`. */
typedef struct foperand {
  sfn_value *lit; /* non-NULL for a literal */
  int from_root;  /* path operand: 1 = `$`, 0 = `@` */
  steps path;
} foperand;

struct fexpr {
  uint8_t kind; /* fx_kind */
  uint8_t op;   /* fx_op for FX_CMP */
  uint8_t icase; /* regex flag i */
  fexpr *a, *b;            /* FX_OR / FX_AND / FX_NOT (a) */
  foperand left, right;    /* FX_EXISTS (left) / FX_CMP */
};

struct sfn_path {
  char *text;       /* the source text, as given */
  size_t len;
  char *normalized; /* Jayway form: $['a'][0][*] */
  int context;      /* starts with $$ */
  char *var;        /* `$name...`: the workflow variable read (NUL-terminated), or NULL */
  size_t var_len;
  steps body;
};

#endif
