/*
 * sfn_regex.c: the filter regex matcher (see sfn_regex.h).
 *
 * The pattern is parsed into a small tree (alternations of sequences of
 * atoms, each atom with a repeat range), then matched by backtracking with
 * explicit continuation frames on the C stack: matching an atom calls on
 * into "the rest", so every choice point can be retried.  A step budget
 * bounds pathological patterns.
 */
#include "sfn_regex.h"

#include <string.h>

#define MAX_NODES 512
#define STEP_BUDGET 200000
#define MAX_DEPTH 4000

typedef enum { N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_GROUP } nkind;

typedef struct rnode {
  uint8_t kind;
  unsigned char c;
  int min, max;          /* repeat range; max -1 = unbounded */
  unsigned char set[32]; /* N_CLASS bitmap */
  int negate;
  int first_alt;         /* N_GROUP: index of its first alternative */
  int next;              /* next node in the sequence, -1 at the end */
} rnode;

/* Alternatives: a list of sequence heads. */
typedef struct ralt {
  int head;     /* first node of this alternative's sequence, -1 = empty */
  int next_alt; /* next alternative of the same group, -1 */
} ralt;

typedef struct regex {
  rnode nodes[MAX_NODES];
  ralt alts[MAX_NODES];
  int nn, na;
  const char *p;
  size_t plen, pos;
  int icase, bad;
  const unsigned char *s;
  size_t slen;
  long steps;
  int depth;
  int over; /* step budget or depth exceeded: the answer is -1 */
} regex;

static void set_bit(unsigned char *set, unsigned c) { set[c >> 3] |= (unsigned char)(1u << (c & 7)); }
static int has_bit(const unsigned char *set, unsigned c) { return set[c >> 3] & (1u << (c & 7)); }

static void add_range(regex *r, unsigned char *set, unsigned a, unsigned b) {
  unsigned c;
  for (c = a; c <= b && c < 256; c++) {
    set_bit(set, c);
    if (r->icase && c >= 'a' && c <= 'z') set_bit(set, c - 32);
    if (r->icase && c >= 'A' && c <= 'Z') set_bit(set, c + 32);
  }
}

/* \d \w \s and friends into set; 1 when e was a class escape. */
static int class_escape(regex *r, unsigned char *set, char e) {
  unsigned char tmp[32];
  int neg = e == 'D' || e == 'W' || e == 'S', i;
  memset(tmp, 0, sizeof tmp);
  switch (e) {
    case 'd': case 'D': add_range(r, tmp, '0', '9'); break;
    case 'w': case 'W':
      add_range(r, tmp, 'a', 'z'); add_range(r, tmp, 'A', 'Z'); add_range(r, tmp, '0', '9');
      set_bit(tmp, '_');
      break;
    case 's': case 'S':
      set_bit(tmp, ' '); set_bit(tmp, '\t'); set_bit(tmp, '\n'); set_bit(tmp, '\r');
      set_bit(tmp, '\f'); set_bit(tmp, '\v');
      break;
    default: return 0;
  }
  for (i = 0; i < 32; i++) set[i] |= neg ? (unsigned char)~tmp[i] : tmp[i];
  return 1;
}

static char escape_char(char e) {
  switch (e) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    default: return e;
  }
}

static int new_node(regex *r, int kind) {
  rnode *n;
  if (r->nn == MAX_NODES) {
    r->bad = 1;
    return -1;
  }
  n = &r->nodes[r->nn];
  memset(n, 0, sizeof *n);
  n->kind = (uint8_t)kind;
  n->min = n->max = 1;
  n->next = -1;
  n->first_alt = -1;
  return r->nn++;
}

static int parse_alts(regex *r);

static int parse_class(regex *r, int id) {
  rnode *n = &r->nodes[id];
  int first = 1;
  if (r->pos < r->plen && r->p[r->pos] == '^') {
    n->negate = 1;
    r->pos++;
  }
  while (r->pos < r->plen && (r->p[r->pos] != ']' || first)) {
    unsigned a = (unsigned char)r->p[r->pos++], b;
    first = 0;
    if (a == '\\' && r->pos < r->plen) {
      char e = r->p[r->pos++];
      if (class_escape(r, n->set, e)) continue;
      a = (unsigned char)escape_char(e);
    }
    b = a;
    if (r->pos + 1 < r->plen && r->p[r->pos] == '-' && r->p[r->pos + 1] != ']') {
      r->pos++;
      b = (unsigned char)r->p[r->pos++];
      if (b == '\\' && r->pos < r->plen) b = (unsigned char)escape_char(r->p[r->pos++]);
      if (b < a) {
        r->bad = 1;
        return -1;
      }
    }
    add_range(r, n->set, a, b);
  }
  if (r->pos >= r->plen) {
    r->bad = 1;
    return -1;
  }
  r->pos++; /* ] */
  return 0;
}

static int parse_int(regex *r, int *v) {
  size_t start = r->pos;
  *v = 0;
  while (r->pos < r->plen && r->p[r->pos] >= '0' && r->p[r->pos] <= '9' && *v < 100000)
    *v = *v * 10 + (r->p[r->pos++] - '0');
  return r->pos > start;
}

/* One atom with its quantifier; returns the node id or -1 (r->bad set on error). */
static int parse_atom(regex *r) {
  char c = r->p[r->pos++];
  int id;
  switch (c) {
    case '.': id = new_node(r, N_ANY); break;
    case '^': return new_node(r, N_BOL);
    case '$': return new_node(r, N_EOL);
    case '[':
      if ((id = new_node(r, N_CLASS)) < 0 || parse_class(r, id) < 0) return -1;
      break;
    case '(':
      if (r->pos + 1 < r->plen && r->p[r->pos] == '?' && r->p[r->pos + 1] == ':') r->pos += 2;
      if ((id = new_node(r, N_GROUP)) < 0) return -1;
      r->nodes[id].first_alt = parse_alts(r);
      if (r->bad || r->pos >= r->plen || r->p[r->pos] != ')') {
        r->bad = 1;
        return -1;
      }
      r->pos++;
      break;
    case '*': case '+': case '?': case ')': r->bad = 1; return -1;
    case '\\':
      if (r->pos >= r->plen) {
        r->bad = 1;
        return -1;
      }
      c = r->p[r->pos++];
      if ((id = new_node(r, N_CLASS)) < 0) return -1;
      if (!class_escape(r, r->nodes[id].set, c)) {
        r->nodes[id].kind = N_CHAR;
        r->nodes[id].c = (unsigned char)escape_char(c);
      }
      break;
    default:
      if ((id = new_node(r, N_CHAR)) < 0) return -1;
      r->nodes[id].c = (unsigned char)c;
      break;
  }
  if (id < 0) return -1; /* node limit (r->bad is set) */
  if (r->pos < r->plen) {
    rnode *n = &r->nodes[id];
    char q = r->p[r->pos];
    if (q == '*' || q == '+' || q == '?') {
      n->min = q == '+';
      n->max = q == '?' ? 1 : -1;
      r->pos++;
    } else if (q == '{') {
      size_t save = r->pos++;
      int lo, hi;
      if (parse_int(r, &lo)) {
        hi = lo;
        if (r->pos < r->plen && r->p[r->pos] == ',') {
          r->pos++;
          if (!parse_int(r, &hi)) hi = -1;
        }
        if (r->pos < r->plen && r->p[r->pos] == '}' && (hi < 0 || hi >= lo)) {
          r->pos++;
          n->min = lo;
          n->max = hi;
        } else {
          r->bad = 1;
          return -1;
        }
      } else {
        r->pos = save; /* a literal '{' follows as the next atom */
        return id;
      }
    } else {
      return id;
    }
    /* Lazy/possessive suffixes are accepted; matching stays greedy. */
    if (r->pos < r->plen && (r->p[r->pos] == '?' || r->p[r->pos] == '+')) r->pos++;
  }
  return id;
}

/* Alternatives up to ')' or the end; returns the first alternative's index. */
static int parse_alts(regex *r) {
  int first = -1, prev_alt = -1;
  for (;;) {
    int a, head = -1, tail = -1;
    if (r->na == MAX_NODES) {
      r->bad = 1;
      return -1;
    }
    a = r->na++;
    while (r->pos < r->plen && r->p[r->pos] != '|' && r->p[r->pos] != ')') {
      int id = parse_atom(r);
      if (id < 0) return -1;
      if (tail >= 0) r->nodes[tail].next = id;
      else head = id;
      tail = id;
    }
    r->alts[a].head = head;
    r->alts[a].next_alt = -1;
    if (prev_alt >= 0) r->alts[prev_alt].next_alt = a;
    else first = a;
    prev_alt = a;
    if (r->pos < r->plen && r->p[r->pos] == '|') {
      r->pos++;
      continue;
    }
    return first;
  }
}

/* ------------------------------------------------------------------ */
/* Matching                                                           */
/* ------------------------------------------------------------------ */

/* What remains after the current node: the rest of a sequence, then the parent's rest. */
typedef struct cont {
  int node;                 /* next node to match, -1 = this sequence is done */
  int rep_node, rep_count;  /* re-entering a repeat of rep_node (>= 0) */
  size_t rep_start;
  const struct cont *up;    /* the continuation after this sequence */
} cont;

static int match_node(regex *r, int id, size_t pos, const cont *k);
static int match_rep(regex *r, int id, int count, size_t pos, const cont *k);

static int run_cont(regex *r, size_t pos, const cont *k) {
  if (!k) return pos == r->slen;
  if (k->rep_node >= 0) {
    /* One more iteration of a repeat finished; an empty iteration stops looping. */
    if (pos == k->rep_start && k->rep_count >= r->nodes[k->rep_node].min)
      return run_cont(r, pos, k->up);
    return match_rep(r, k->rep_node, k->rep_count, pos, k->up);
  }
  if (k->node < 0) return run_cont(r, pos, k->up);
  return match_node(r, k->node, pos, k->up);
}

/* Length of the single-character atom id at pos, or 0 when it does not match. */
static size_t atom_len(regex *r, const rnode *n, size_t pos) {
  unsigned c;
  size_t w = 1;
  if (pos >= r->slen) return 0;
  c = r->s[pos];
  if (c >= 0xC0) {
    while (pos + w < r->slen && (r->s[pos + w] & 0xC0) == 0x80) w++;
  }
  switch (n->kind) {
    case N_CHAR:
      if (c == n->c) return 1;
      if (r->icase && ((c | 32) == (unsigned)(n->c | 32)) && (c | 32) >= 'a' && (c | 32) <= 'z')
        return 1;
      return 0;
    case N_ANY: return (c == '\n' || c == '\r') ? 0 : w;
    case N_CLASS:
      if (c >= 0x80) return n->negate ? w : (has_bit(n->set, c) ? 1 : 0);
      return (has_bit(n->set, c) != 0) != (n->negate != 0) ? 1 : 0;
    default: return 0;
  }
}

/* One iteration of node id (ignoring its repeat range), then k. */
static int match_once(regex *r, int id, size_t pos, const cont *k) {
  const rnode *n = &r->nodes[id];
  size_t w;
  int a;
  switch (n->kind) {
    case N_BOL: return pos == 0 && run_cont(r, pos, k);
    case N_EOL: return pos == r->slen && run_cont(r, pos, k);
    case N_GROUP:
      for (a = n->first_alt; a >= 0; a = r->alts[a].next_alt) {
        cont c;
        int rc;
        c.node = r->alts[a].head;
        c.rep_node = -1;
        c.rep_count = 0;
        c.rep_start = 0;
        c.up = k;
        rc = run_cont(r, pos, &c);
        if (rc) return rc;
      }
      return 0;
    default:
      w = atom_len(r, n, pos);
      return w ? run_cont(r, pos + w, k) : 0;
  }
}

static int match_rep(regex *r, int id, int count, size_t pos, const cont *k) {
  const rnode *n = &r->nodes[id];
  int rc;
  if (r->over || ++r->steps > STEP_BUDGET || r->depth + 1 > MAX_DEPTH) {
    r->over = 1;
    return 0;
  }
  r->depth++;
  rc = 0;
  if (n->max < 0 || count < n->max) {
    cont again;
    again.node = -1;
    again.rep_node = id;
    again.rep_count = count + 1;
    again.rep_start = pos;
    again.up = k;
    rc = match_once(r, id, pos, &again);
  }
  if (rc == 0 && count >= n->min) rc = run_cont(r, pos, k);
  r->depth--;
  return rc;
}

static int match_node(regex *r, int id, size_t pos, const cont *k) {
  cont rest;
  const rnode *n = &r->nodes[id];
  rest.node = n->next;
  rest.rep_node = -1;
  rest.rep_count = 0;
  rest.rep_start = 0;
  rest.up = k;
  if (n->min == 1 && n->max == 1) {
    int rc;
    if (r->over || ++r->steps > STEP_BUDGET || r->depth + 1 > MAX_DEPTH) {
      r->over = 1;
      return 0;
    }
    r->depth++;
    rc = match_once(r, id, pos, &rest);
    r->depth--;
    return rc;
  }
  return match_rep(r, id, 0, pos, &rest);
}

int sfn_regex_match(const char *pattern, size_t plen, int icase, const char *s, size_t slen) {
  regex *r = sfn_malloc(sizeof(regex));
  int first, rc;
  cont top;
  if (!r) return -1;
  memset(r, 0, sizeof *r);
  r->p = pattern;
  r->plen = plen;
  r->icase = icase;
  r->s = (const unsigned char *)s;
  r->slen = slen;
  first = parse_alts(r);
  if (r->bad || r->pos != r->plen || first < 0) {
    sfn_free(r);
    return -1;
  }
  /* The whole pattern is one group. */
  {
    int g = new_node(r, N_GROUP);
    if (g < 0) {
      sfn_free(r);
      return -1;
    }
    r->nodes[g].first_alt = first;
    top.node = g;
  }
  top.rep_node = -1;
  top.rep_count = 0;
  top.rep_start = 0;
  top.up = NULL;
  rc = run_cont(r, 0, &top);
  if (r->over) rc = -1;
  sfn_free(r);
  return rc;
}
