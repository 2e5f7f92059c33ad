/*
 * sfn_jsonata_regex.c: regular expressions with JavaScript's syntax and
 * semantics (ECMAScript, non-unicode mode with the web-compatibility rules
 * of Annex B), as JSONata's regex literals `/.../flags` use them.
 *
 * A pattern is parsed into a small tree, then compiled into instructions for
 * a backtracking machine (sfn_jsonata_regex_exec.c runs them) whose choice
 * points live on an explicit stack, so no input can exhaust the C stack;
 * recursion depth in the parser and the code generator is bounded by the
 * pattern's own nesting, which the parser limits.
 *
 * Supported: literals, escapes (\d \D \w \W \s \S \b \B \n \r \t \v \f \0
 * \cX \xhh \uXXXX, identity escapes such as \/ and \.), classes with
 * ranges and negation, `.`, groups (capturing, `(?:...)`, named
 * `(?<name>...)` counted as capturing), alternation, greedy and lazy
 * quantifiers * + ? {n} {n,} {n,m}, anchors ^ $ (flag m), lookahead (?= ?!)
 * and lookbehind (?<= ?<!), backreferences \1.. and \k<name>, flags i
 * (simple case folding), m, s, g (ignored here; JSONata always searches), u
 * and y accepted.  Not supported: \p{...}.
 */
#include "sfn_jsonata_regex_int.h"

#include <string.h>

#define MAX_NEST 200          /* group nesting depth in a pattern */
#define MAX_PROG 100000       /* instructions in a compiled pattern */

/* ---- parse tree ---- */

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_CAT, N_ALT, N_GROUP, N_LOOK, N_REPEAT, N_BOL, N_EOL, N_WORDB, N_NWORDB,
       N_BACKREF };

typedef struct node {
  int type;
  int a, b;           /* CHAR: a = code point; CLASS: a = class; GROUP: a = group or -1; LOOK: a = negative;
                         REPEAT: a = min, b = max (-1 = infinite); BACKREF: a = group */
  int greedy, g0, g1; /* REPEAT: groups g0..g1 inside (g0 > g1 = none) */
  int child, next;    /* first child, next sibling (-1 = none) */
} node;

typedef struct parser {
  const char *p;
  size_t len, pos;
  sfn_jn_regex *re;
  node *nodes;
  size_t nnodes, capnodes;
  int groups, total_groups, depth;
  /* group names, from a first scan: offset and length in the pattern */
  size_t name_at[SFN_JN_MAX_GROUPS + 1], name_len[SFN_JN_MAX_GROUPS + 1];
  const char *errmsg;
  int oom;
} parser;

static int grow(void **ptr, size_t *cap, size_t need, size_t size) {
  void *np;
  size_t nc;
  if (need <= *cap) return 1;
  nc = *cap ? *cap * 2 : 16;
  while (nc < need) nc *= 2;
  np = sfn_realloc(*ptr, nc * size);
  if (!np) return 0;
  *ptr = np;
  *cap = nc;
  return 1;
}

static int new_node(parser *ps, int type) {
  node *n;
  if (!grow((void **)&ps->nodes, &ps->capnodes, ps->nnodes + 1, sizeof(node))) {
    ps->oom = 1;
    return -1;
  }
  n = &ps->nodes[ps->nnodes];
  memset(n, 0, sizeof *n);
  n->type = type;
  n->child = n->next = -1;
  return (int)ps->nnodes++;
}

static int fail(parser *ps, const char *msg) {
  if (!ps->errmsg) ps->errmsg = msg;
  return -1;
}

static int at_end(const parser *ps) { return ps->pos >= ps->len; }
static uint32_t peek(const parser *ps) {
  size_t i = ps->pos;
  return at_end(ps) ? 0 : sfn_jnf_utf8_next(ps->p, ps->len, &i);
}
static uint32_t next_cp(parser *ps) { return sfn_jnf_utf8_next(ps->p, ps->len, &ps->pos); }

static int hexval(uint32_t c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

/* n hex digits at the current position: their value, or -1 (nothing read). */
static long hex_digits(parser *ps, int n) {
  long v = 0;
  int i;
  if (ps->pos + (size_t)n > ps->len) return -1;
  for (i = 0; i < n; i++) {
    int h = hexval((unsigned char)ps->p[ps->pos + (size_t)i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  ps->pos += (size_t)n;
  return v;
}

static int add_class(parser *ps, int flags, int negate) {
  sfn_jn_regex *re = ps->re;
  if (!grow((void **)&re->classes, &re->capclasses, re->nclasses + 1, sizeof(cclass))) {
    ps->oom = 1;
    return -1;
  }
  re->classes[re->nclasses].first = (uint32_t)re->nranges;
  re->classes[re->nclasses].n = 0;
  re->classes[re->nclasses].flags = flags;
  re->classes[re->nclasses].negate = negate;
  return (int)re->nclasses++;
}

static int add_range(parser *ps, int cls, uint32_t lo, uint32_t hi) {
  sfn_jn_regex *re = ps->re;
  if (!grow((void **)&re->ranges, &re->capranges, re->nranges + 1, sizeof re->ranges[0])) {
    ps->oom = 1;
    return -1;
  }
  re->ranges[re->nranges][0] = lo;
  re->ranges[re->nranges][1] = hi;
  re->nranges++;
  re->classes[cls].n++;
  return 0;
}

/* Flag of a class escape letter (d D w W s S), or 0. */
static int class_escape(uint32_t c) {
  switch (c) {
    case 'd': return C_DIGIT;
    case 'D': return C_NDIGIT;
    case 'w': return C_WORD;
    case 'W': return C_NWORD;
    case 's': return C_SPACE;
    case 'S': return C_NSPACE;
    default: return 0;
  }
}

/* A character escape (after the backslash, outside the backreference and
 * class cases): the code point it stands for. */
static uint32_t char_escape(parser *ps, int in_class) {
  uint32_t c = next_cp(ps);
  long v;
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    case 'f': return '\f';
    case 'b': return 8; /* only reached inside a class */
    case 'c': {
      uint32_t l = peek(ps);
      if ((l >= 'a' && l <= 'z') || (l >= 'A' && l <= 'Z') || (in_class && ((l >= '0' && l <= '9') || l == '_'))) {
        ps->pos++;
        return l % 32;
      }
      ps->pos--; /* the backslash stands for itself, then "c" */
      return '\\';
    }
    case 'x':
      v = hex_digits(ps, 2);
      return v < 0 ? 'x' : (uint32_t)v;
    case 'u':
      v = hex_digits(ps, 4);
      if (v < 0) return 'u';
      if (v >= 0xD800 && v <= 0xDBFF && ps->pos + 6 <= ps->len && ps->p[ps->pos] == '\\' &&
          ps->p[ps->pos + 1] == 'u') {
        size_t save = ps->pos;
        long lo;
        ps->pos += 2;
        lo = hex_digits(ps, 4);
        if (lo >= 0xDC00 && lo <= 0xDFFF) return (uint32_t)(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00));
        ps->pos = save;
      }
      return (uint32_t)v;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      /* legacy octal escape: up to three digits, at most 0377 */
      uint32_t val = c - '0';
      if (peek(ps) >= '0' && peek(ps) <= '7') {
        val = val * 8 + (next_cp(ps) - '0');
        if (c <= '3' && peek(ps) >= '0' && peek(ps) <= '7') val = val * 8 + (next_cp(ps) - '0');
      }
      return val;
    }
    default: return c; /* identity escape: \/ \. \8 ... */
  }
}

static int parse_alt(parser *ps);

/* [...] */
static int parse_class(parser *ps) {
  int negate = 0, cls, n;
  if (peek(ps) == '^') {
    negate = 1;
    ps->pos++;
  }
  cls = add_class(ps, 0, negate);
  if (cls < 0) return -1;
  for (;;) {
    uint32_t lo, hi;
    int lo_class = 0, hi_class = 0;
    if (at_end(ps)) return fail(ps, "Unterminated character class");
    if (peek(ps) == ']') {
      ps->pos++;
      break;
    }
    lo = next_cp(ps);
    if (lo == '\\') {
      if (at_end(ps)) return fail(ps, "\\ at end of pattern");
      lo_class = class_escape(peek(ps));
      if (lo_class) {
        ps->pos++;
        ps->re->classes[cls].flags |= lo_class;
      } else if (peek(ps) == '-') {
        ps->pos++;
        lo = '-';
      } else {
        lo = char_escape(ps, 1);
      }
    }
    if (peek(ps) == '-' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] != ']') {
      ps->pos++;
      hi = next_cp(ps);
      if (hi == '\\') {
        if (at_end(ps)) return fail(ps, "\\ at end of pattern");
        hi_class = class_escape(peek(ps));
        if (hi_class) {
          ps->pos++;
        } else {
          hi = char_escape(ps, 1);
        }
      }
      if (lo_class || hi_class) {
        /* Annex B: a class escape next to '-' makes the '-' literal */
        if (!lo_class && add_range(ps, cls, lo, lo) < 0) return -1;
        if (add_range(ps, cls, '-', '-') < 0) return -1;
        if (hi_class)
          ps->re->classes[cls].flags |= hi_class;
        else if (add_range(ps, cls, hi, hi) < 0)
          return -1;
        continue;
      }
      if (hi < lo) return fail(ps, "Range out of order in character class");
      if (add_range(ps, cls, lo, hi) < 0) return -1;
      continue;
    }
    if (!lo_class && add_range(ps, cls, lo, lo) < 0) return -1;
  }
  n = new_node(ps, N_CLASS);
  if (n >= 0) ps->nodes[n].a = cls;
  return n;
}

/* A decimal number at the current position (digits only). */
static int read_int(parser *ps, long *v) {
  int any = 0;
  *v = 0;
  while (!at_end(ps) && ps->p[ps->pos] >= '0' && ps->p[ps->pos] <= '9') {
    if (*v < 100000000) *v = *v * 10 + (ps->p[ps->pos] - '0');
    ps->pos++;
    any = 1;
  }
  return any;
}

/* {n}, {n,}, {n,m} at '{': 1 with min/max (-1 = infinite) and the position
 * moved past it, 0 (position unchanged) when it is not a quantifier. */
static int braces(parser *ps, long *min, long *max) {
  size_t save = ps->pos;
  ps->pos++;
  if (!read_int(ps, min)) goto no;
  *max = *min;
  if (!at_end(ps) && ps->p[ps->pos] == ',') {
    ps->pos++;
    if (!read_int(ps, max)) *max = -1;
  }
  if (at_end(ps) || ps->p[ps->pos] != '}') goto no;
  ps->pos++;
  return 1;
no:
  ps->pos = save;
  return 0;
}

static int parse_atom(parser *ps, int *quantifiable) {
  uint32_t c = peek(ps);
  int n;
  *quantifiable = 1;
  switch (c) {
    case '.':
      ps->pos++;
      return new_node(ps, N_ANY);
    case '^':
      ps->pos++;
      *quantifiable = 0;
      return new_node(ps, N_BOL);
    case '$':
      ps->pos++;
      *quantifiable = 0;
      return new_node(ps, N_EOL);
    case '*':
    case '+':
    case '?': return fail(ps, "Nothing to repeat");
    case '{': {
      long mn, mx;
      if (braces(ps, &mn, &mx)) return fail(ps, "Nothing to repeat");
      ps->pos++;
      n = new_node(ps, N_CHAR);
      if (n >= 0) ps->nodes[n].a = '{';
      return n;
    }
    case '[':
      ps->pos++;
      return parse_class(ps);
    case '(': {
      int type = N_GROUP, group = -1, neg = 0, child;
      ps->pos++;
      if (peek(ps) == '?') {
        ps->pos++;
        c = at_end(ps) ? 0 : next_cp(ps);
        if (c == ':') {
          group = -1;
        } else if (c == '=' || c == '!') {
          type = N_LOOK;
          neg = c == '!';
        } else if (c == '<' && (peek(ps) == '=' || peek(ps) == '!')) {
          type = N_LOOK;
          neg = (next_cp(ps) == '!') | 2;
        } else if (c == '<') {
          while (!at_end(ps) && peek(ps) != '>') ps->pos++;
          if (at_end(ps)) return fail(ps, "Invalid capture group name");
          ps->pos++;
          group = ++ps->groups;
        } else {
          return fail(ps, "Invalid group");
        }
      } else {
        group = ++ps->groups;
      }
      if (group > SFN_JN_MAX_GROUPS) return fail(ps, "Too many capture groups");
      if (++ps->depth > MAX_NEST) return fail(ps, "Pattern nested too deeply");
      child = parse_alt(ps);
      ps->depth--;
      if (child < 0) return -1;
      if (at_end(ps) || peek(ps) != ')') return fail(ps, "Unterminated group");
      ps->pos++;
      n = new_node(ps, type);
      if (n < 0) return -1;
      ps->nodes[n].a = type == N_LOOK ? neg : group;
      ps->nodes[n].child = child;
      return n;
    }
    case '\\': {
      ps->pos++;
      if (at_end(ps)) return fail(ps, "\\ at end of pattern");
      c = peek(ps);
      if (class_escape(c)) {
        int cls;
        ps->pos++;
        cls = add_class(ps, class_escape(c), 0);
        if (cls < 0) return -1;
        n = new_node(ps, N_CLASS);
        if (n >= 0) ps->nodes[n].a = cls;
        return n;
      }
      if (c == 'b' || c == 'B') {
        ps->pos++;
        *quantifiable = 0;
        return new_node(ps, c == 'b' ? N_WORDB : N_NWORDB);
      }
      if (c == 'k' && ps->total_groups > 0 && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == '<') {
        size_t a = ps->pos + 2, z = a;
        int g;
        while (z < ps->len && ps->p[z] != '>') z++;
        if (z >= ps->len) return fail(ps, "Invalid named reference");
        for (g = 1; g <= ps->total_groups && g <= SFN_JN_MAX_GROUPS; g++)
          if (ps->name_len[g] == z - a && ps->name_len[g] && memcmp(ps->p + ps->name_at[g], ps->p + a, z - a) == 0)
            break;
        if (g > ps->total_groups || g > SFN_JN_MAX_GROUPS || !ps->name_len[g]) {
          /* without named groups \k is an identity escape (Annex B) */
          int named = 0, k;
          for (k = 1; k <= ps->total_groups && k <= SFN_JN_MAX_GROUPS; k++)
            if (ps->name_len[k]) named = 1;
          if (named) return fail(ps, "Invalid named capture referenced");
        } else {
          ps->pos = z + 1;
          n = new_node(ps, N_BACKREF);
          if (n >= 0) ps->nodes[n].a = g;
          return n;
        }
      }
      if (c >= '1' && c <= '9') {
        size_t save = ps->pos;
        long g;
        read_int(ps, &g);
        if (g <= ps->total_groups) {
          n = new_node(ps, N_BACKREF);
          if (n >= 0) ps->nodes[n].a = (int)g;
          return n;
        }
        ps->pos = save;
      }
      n = new_node(ps, N_CHAR);
      if (n >= 0) ps->nodes[n].a = (int)char_escape(ps, 0);
      return n;
    }
    default:
      n = new_node(ps, N_CHAR);
      if (n >= 0) ps->nodes[n].a = (int)next_cp(ps);
      return n;
  }
}

/* atom quantifier? */
static int parse_quant(parser *ps) {
  int g0 = ps->groups + 1, q, atom = parse_atom(ps, &q), n;
  long mn, mx;
  uint32_t c;
  if (atom < 0) return -1;
  if (at_end(ps)) return atom;
  c = peek(ps);
  if (c == '*') {
    mn = 0, mx = -1;
    ps->pos++;
  } else if (c == '+') {
    mn = 1, mx = -1;
    ps->pos++;
  } else if (c == '?') {
    mn = 0, mx = 1;
    ps->pos++;
  } else if (c == '{' && braces(ps, &mn, &mx)) {
    if (mx >= 0 && mx < mn) return fail(ps, "numbers out of order in {} quantifier");
  } else {
    return atom;
  }
  if (!q) return fail(ps, "Nothing to repeat");
  n = new_node(ps, N_REPEAT);
  if (n < 0) return -1;
  ps->nodes[n].a = (int)mn;
  ps->nodes[n].b = (int)mx;
  ps->nodes[n].greedy = 1;
  ps->nodes[n].g0 = g0;
  ps->nodes[n].g1 = ps->groups;
  ps->nodes[n].child = atom;
  if (!at_end(ps) && peek(ps) == '?') {
    ps->pos++;
    ps->nodes[n].greedy = 0;
  }
  return n;
}

static int parse_cat(parser *ps) {
  int cat = new_node(ps, N_CAT), last = -1;
  if (cat < 0) return -1;
  while (!at_end(ps) && peek(ps) != '|' && peek(ps) != ')') {
    int q = parse_quant(ps);
    if (q < 0) return -1;
    if (last < 0)
      ps->nodes[cat].child = q;
    else
      ps->nodes[last].next = q;
    last = q;
  }
  return cat;
}

static int parse_alt(parser *ps) {
  int first = parse_cat(ps), alt, last;
  if (first < 0 || at_end(ps) || peek(ps) != '|') return first;
  alt = new_node(ps, N_ALT);
  if (alt < 0) return -1;
  ps->nodes[alt].child = first;
  last = first;
  while (!at_end(ps) && peek(ps) == '|') {
    int b;
    ps->pos++;
    b = parse_cat(ps);
    if (b < 0) return -1;
    ps->nodes[last].next = b;
    last = b;
  }
  return alt;
}

/* Groups in the pattern (for telling \N backreferences from octal escapes). */
static int count_groups(parser *ps, const char *p, size_t len) {
  size_t i;
  int n = 0, in_class = 0;
  for (i = 0; i < len; i++) {
    if (p[i] == '\\') {
      i++;
    } else if (in_class) {
      if (p[i] == ']') in_class = 0;
    } else if (p[i] == '[') {
      in_class = 1;
    } else if (p[i] == '(') {
      if (i + 1 >= len || p[i + 1] != '?') {
        n++;
      } else if (i + 2 < len && p[i + 2] == '<' && i + 3 < len && p[i + 3] != '=' && p[i + 3] != '!') {
        size_t z = i + 3;
        n++;
        while (z < len && p[z] != '>') z++;
        if (n <= SFN_JN_MAX_GROUPS) {
          ps->name_at[n] = i + 3;
          ps->name_len[n] = z - (i + 3);
        }
      }
    }
  }
  return n;
}

/* ---- code generation ---- */

static int emit(parser *ps, int op, int x, int y) {
  sfn_jn_regex *re = ps->re;
  if (re->ncode >= MAX_PROG) return fail(ps, "Regular expression too large");
  if (!grow((void **)&re->code, &re->capcode, re->ncode + 1, sizeof(inst))) {
    ps->oom = 1;
    return -1;
  }
  re->code[re->ncode].op = (uint8_t)op;
  re->code[re->ncode].x = x;
  re->code[re->ncode].y = y;
  return (int)re->ncode++;
}

static int gen(parser *ps, int ni, int depth);

/* One iteration of a repeat beyond its minimum: MARK, CLEAR, body, CHECK. */
static int gen_iteration(parser *ps, const node *n, int reg, int depth) {
  if (emit(ps, I_MARK, reg, 0) < 0) return -1;
  if (n->g0 <= n->g1 && emit(ps, I_CLEAR, n->g0, n->g1) < 0) return -1;
  if (gen(ps, n->child, depth + 1) < 0) return -1;
  return emit(ps, I_CHECK, reg, 0);
}

static int gen(parser *ps, int ni, int depth) {
  node n = ps->nodes[ni];
  int c, split, jmp;
  if (depth > 4 * MAX_NEST + 16) return fail(ps, "Pattern nested too deeply");
  switch (n.type) {
    case N_EMPTY: return 0;
    case N_CHAR:
      return emit(ps, I_CHAR, n.a, 0);
    case N_ANY: return emit(ps, I_ANY, 0, 0);
    case N_CLASS: return emit(ps, I_CLASS, n.a, 0);
    case N_BOL: return emit(ps, I_BOL, 0, 0);
    case N_EOL: return emit(ps, I_EOL, 0, 0);
    case N_WORDB: return emit(ps, I_WORDB, 0, 0);
    case N_NWORDB: return emit(ps, I_NWORDB, 0, 0);
    case N_BACKREF: return emit(ps, I_BACKREF, n.a, 0);
    case N_CAT:
      for (c = n.child; c >= 0; c = ps->nodes[c].next)
        if (gen(ps, c, depth + 1) < 0) return -1;
      return 0;
    case N_ALT: {
      int jmps[64], nj = 0, k;
      int *more = NULL;
      size_t nmore = 0, capmore = 0;
      for (c = n.child; c >= 0; c = ps->nodes[c].next) {
        int last = ps->nodes[c].next < 0;
        split = -1;
        if (!last && (split = emit(ps, I_SPLIT, 0, 0)) < 0) goto alt_fail;
        if (split >= 0) ps->re->code[split].x = (int)ps->re->ncode;
        if (gen(ps, c, depth + 1) < 0) goto alt_fail;
        if (!last) {
          if ((jmp = emit(ps, I_JMP, 0, 0)) < 0) goto alt_fail;
          if (nj < 64) {
            jmps[nj++] = jmp;
          } else {
            if (!grow((void **)&more, &capmore, nmore + 1, sizeof(int))) {
              ps->oom = 1;
              goto alt_fail;
            }
            more[nmore++] = jmp;
          }
          ps->re->code[split].y = (int)ps->re->ncode;
        }
      }
      for (k = 0; k < nj; k++) ps->re->code[jmps[k]].x = (int)ps->re->ncode;
      for (k = 0; k < (int)nmore; k++) ps->re->code[more[k]].x = (int)ps->re->ncode;
      sfn_free(more);
      return 0;
    alt_fail:
      sfn_free(more);
      return -1;
    }
    case N_GROUP:
      if (n.a >= 0 && emit(ps, I_SAVE, 2 * n.a, 0) < 0) return -1;
      if (gen(ps, n.child, depth + 1) < 0) return -1;
      if (n.a >= 0 && emit(ps, I_SAVE, 2 * n.a + 1, 0) < 0) return -1;
      return 0;
    case N_LOOK: {
      int look = emit(ps, I_LOOK, 0, n.a);
      if (look < 0 || gen(ps, n.child, depth + 1) < 0) return -1;
      if ((n.a & 2) && emit(ps, I_ATEND, 0, 0) < 0) return -1;
      if (emit(ps, I_MATCH, 0, 0) < 0) return -1;
      ps->re->code[look].x = (int)ps->re->ncode;
      return 0;
    }
    case N_REPEAT: {
      int reg = ps->re->nregs++, k;
      long emitted_min;
      for (emitted_min = 0; emitted_min < n.a; emitted_min++) {
        if (n.g0 <= n.g1 && emit(ps, I_CLEAR, n.g0, n.g1) < 0) return -1;
        if (gen(ps, n.child, depth + 1) < 0) return -1;
      }
      if (n.b < 0) {
        int loop = (int)ps->re->ncode;
        split = emit(ps, I_SPLIT, 0, 0);
        if (split < 0) return -1;
        if (gen_iteration(ps, &n, reg, depth) < 0) return -1;
        if (emit(ps, I_JMP, loop, 0) < 0) return -1;
        if (n.greedy) {
          ps->re->code[split].x = split + 1;
          ps->re->code[split].y = (int)ps->re->ncode;
        } else {
          ps->re->code[split].x = (int)ps->re->ncode;
          ps->re->code[split].y = split + 1;
        }
        return 0;
      } else {
        /* up to b - a optional iterations; each split skips to the end */
        int nopt = n.b - n.a, first_split = (int)ps->re->ncode;
        for (k = 0; k < nopt; k++) {
          split = emit(ps, I_SPLIT, 0, 0);
          if (split < 0) return -1;
          if (gen_iteration(ps, &n, reg, depth) < 0) return -1;
        }
        /* patch: every split's "skip" goes to the end */
        for (k = first_split; k < (int)ps->re->ncode; k++) {
          inst *in = &ps->re->code[k];
          if (in->op == I_SPLIT && in->x == 0 && in->y == 0) {
            if (n.greedy) {
              in->x = k + 1;
              in->y = (int)ps->re->ncode;
            } else {
              in->x = (int)ps->re->ncode;
              in->y = k + 1;
            }
          }
        }
        return 0;
      }
    }
  }
  return 0;
}

void sfn_jn_regex_free(sfn_jn_regex *re) {
  if (!re) return;
  sfn_free(re->code);
  sfn_free(re->classes);
  sfn_free(re->ranges);
  sfn_free(re);
}

sfn_jn_regex *sfn_jn_regex_compile(const char *pattern, size_t len, const char *flags, sfn_error *err) {
  parser ps;
  sfn_jn_regex *re = sfn_malloc(sizeof *re);
  int root;
  const char *f;
  if (!re) {
    sfn_error_oom(err);
    return NULL;
  }
  memset(re, 0, sizeof *re);
  memset(&ps, 0, sizeof ps);
  for (f = flags ? flags : ""; *f; f++) {
    if (*f == 'i')
      re->icase = 1;
    else if (*f == 'm')
      re->multiline = 1;
    else if (*f == 's')
      re->dotall = 1;
    else if (*f != 'g' && *f != 'u' && *f != 'y') {
      sfn_error_set(err, "S0303", "Invalid regular expression flags: %s", flags);
      sfn_jn_regex_free(re);
      return NULL;
    }
  }
  ps.p = pattern;
  ps.len = len;
  ps.re = re;
  ps.total_groups = count_groups(&ps, pattern, len);
  root = parse_alt(&ps);
  if (root >= 0 && !at_end(&ps)) root = fail(&ps, "Unmatched ')'");
  if (root >= 0) {
    re->ngroups = ps.groups;
    if (emit(&ps, I_SAVE, 0, 0) < 0 || gen(&ps, root, 0) < 0 || emit(&ps, I_SAVE, 1, 0) < 0 ||
        emit(&ps, I_MATCH, 0, 0) < 0)
      root = -1;
  }
  sfn_free(ps.nodes);
  if (root < 0) {
    if (ps.oom)
      sfn_error_oom(err);
    else
      sfn_error_set(err, "S0303", "Invalid regular expression: /%.*s/: %s", (int)len, pattern,
                    ps.errmsg ? ps.errmsg : "syntax error");
    sfn_jn_regex_free(re);
    return NULL;
  }
  return re;
}
