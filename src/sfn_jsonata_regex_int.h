/*
 * sfn_jsonata_regex_int.h: the compiled form of a JSONata regular expression,
 * shared by the compiler (sfn_jsonata_regex.c) and the matcher
 * (sfn_jsonata_regex_exec.c); not part of the public API.
 *
 * A pattern compiles to instructions for a backtracking machine: the
 * machine keeps its choice points and the values to restore on an explicit
 * stack, so the subject's length never deepens the C stack.
 */
#ifndef SFN_JSONATA_REGEX_INT_H
#define SFN_JSONATA_REGEX_INT_H

#include "sfn_jsonata_fns_int.h"

enum {
  I_CHAR,    /* x = code point */
  I_ANY,     /* any but a line terminator (everything with flag s) */
  I_CLASS,   /* x = class index */
  I_SPLIT,   /* try x first, then y */
  I_JMP,     /* x */
  I_SAVE,    /* x = capture slot */
  I_BOL,
  I_EOL,
  I_WORDB,
  I_NWORDB,
  I_LOOK,    /* body at pc+1 ending in I_MATCH; continue at x; y: 1 negative, 2 behind */
  I_ATEND,   /* a lookbehind body must end where the lookbehind started */
  I_BACKREF, /* x = group */
  I_MARK,    /* x = register: remember the position */
  I_CHECK,   /* x = register: fail when no progress since I_MARK */
  I_CLEAR,   /* x..y: reset groups x..y to unset */
  I_MATCH
};

typedef struct inst {
  uint8_t op;
  int32_t x, y;
} inst;

enum { C_DIGIT = 1, C_NDIGIT = 2, C_WORD = 4, C_NWORD = 8, C_SPACE = 16, C_NSPACE = 32 };

typedef struct cclass {
  uint32_t first, n; /* ranges[first .. first+n) */
  int flags, negate;
} cclass;

struct sfn_jn_regex {
  inst *code;
  size_t ncode, capcode;
  cclass *classes;
  size_t nclasses, capclasses;
  uint32_t (*ranges)[2];
  size_t nranges, capranges;
  int ngroups, nregs;
  int icase, multiline, dotall;
};

#endif
