/*
 * sfn_jsonata_regex_exec.c: the matcher for compiled JSONata regular
 * expressions (sfn_jsonata_regex.c compiles them): a backtracking machine
 * over UTF-8 code points whose choice points live on an explicit stack, with
 * a step budget so that a catastrophic pattern ends with -1 instead of
 * running for ever.  Lookarounds run the machine on their own body (the
 * only recursion, bounded by the pattern's nesting).
 */
#include "sfn_jsonata_regex_int.h"

#include <string.h>

#define STEP_BUDGET 20000000u /* instructions per exec call */

/* ---- matching ---- */

enum { B_BRANCH, B_SLOT, B_REG, B_LOOKBASE };

typedef struct bt {
  uint8_t kind;
  int32_t a; /* pc, slot or register */
  long b;    /* position or old value */
} bt;

typedef struct vm {
  const sfn_jn_regex *re;
  const unsigned char *s;
  size_t len;
  long caps[2 * (SFN_JN_MAX_GROUPS + 1)];
  long *regs;
  bt *stack;
  size_t n, cap;
  uint64_t steps;
  size_t target; /* where the lookbehind being tried must end */
  int oom;
} vm;

static int push(vm *m, int kind, int32_t a, long b) {
  if (m->n == m->cap) {
    size_t nc = m->cap ? m->cap * 2 : 64;
    bt *ns = sfn_realloc(m->stack, nc * sizeof(bt));
    if (!ns) {
      m->oom = 1;
      return 0;
    }
    m->stack = ns;
    m->cap = nc;
  }
  m->stack[m->n].kind = (uint8_t)kind;
  m->stack[m->n].a = a;
  m->stack[m->n].b = b;
  m->n++;
  return 1;
}

static uint32_t canon(uint32_t c) {
  uint32_t u = sfn_jnf_upper(c);
  return c >= 128 && u < 128 ? c : u;
}

static int is_space(uint32_t c) {
  return c == ' ' || (c >= 9 && c <= 13) || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}
static int is_word(uint32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
static int is_line_term(uint32_t c) { return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029; }

static int in_class_raw(const sfn_jn_regex *re, const cclass *k, uint32_t c) {
  uint32_t i;
  int f = k->flags;
  if ((f & C_DIGIT) && c >= '0' && c <= '9') return 1;
  if ((f & C_NDIGIT) && !(c >= '0' && c <= '9')) return 1;
  if ((f & C_WORD) && is_word(c)) return 1;
  if ((f & C_NWORD) && !is_word(c)) return 1;
  if ((f & C_SPACE) && is_space(c)) return 1;
  if ((f & C_NSPACE) && !is_space(c)) return 1;
  for (i = 0; i < k->n; i++)
    if (c >= re->ranges[k->first + i][0] && c <= re->ranges[k->first + i][1]) return 1;
  return 0;
}

static int in_class(const sfn_jn_regex *re, const cclass *k, uint32_t c) {
  int r = in_class_raw(re, k, c);
  if (!r && re->icase) {
    uint32_t u = canon(c), l = sfn_jnf_lower(c);
    r = (u != c && in_class_raw(re, k, u)) || (l != c && canon(l) == u && in_class_raw(re, k, l));
  }
  return k->negate ? !r : r;
}

/* The code point before position i (0 at the start). */
static uint32_t prev_cp(const vm *m, size_t i) {
  size_t j;
  if (i == 0) return 0;
  j = i - 1;
  while (j > 0 && (m->s[j] & 0xC0) == 0x80 && i - j < 4) j--;
  {
    size_t k = j;
    uint32_t c = sfn_jnf_utf8_next((const char *)m->s, m->len, &k);
    if (k != i) return m->s[i - 1];
    return c;
  }
}

/* Run from pc at position sp until I_MATCH: 1 (position in *end), 0 (no
 * match), -1 (budget or memory). */
static int run(vm *m, int pc, size_t sp, size_t *end) {
  const sfn_jn_regex *re = m->re;
  size_t base = m->n;
  for (;;) {
    const inst *in;
    if (++m->steps > STEP_BUDGET) return -1;
    in = &re->code[pc];
    switch (in->op) {
      case I_CHAR: {
        size_t j = sp;
        uint32_t c;
        if (sp >= m->len) goto failed;
        c = sfn_jnf_utf8_next((const char *)m->s, m->len, &j);
        if (c != (uint32_t)in->x && !(re->icase && canon(c) == canon((uint32_t)in->x))) goto failed;
        sp = j;
        pc++;
        continue;
      }
      case I_ANY: {
        uint32_t c;
        if (sp >= m->len) goto failed;
        c = sfn_jnf_utf8_next((const char *)m->s, m->len, &sp);
        if (!re->dotall && is_line_term(c)) goto failed;
        pc++;
        continue;
      }
      case I_CLASS: {
        uint32_t c;
        if (sp >= m->len) goto failed;
        c = sfn_jnf_utf8_next((const char *)m->s, m->len, &sp);
        if (!in_class(re, &re->classes[in->x], c)) goto failed;
        pc++;
        continue;
      }
      case I_SPLIT:
        if (!push(m, B_BRANCH, in->y, (long)sp)) return -1;
        pc = in->x;
        continue;
      case I_JMP: pc = in->x; continue;
      case I_SAVE:
        if (!push(m, B_SLOT, in->x, m->caps[in->x])) return -1;
        m->caps[in->x] = (long)sp;
        pc++;
        continue;
      case I_BOL:
        if (sp != 0 && !(re->multiline && is_line_term(prev_cp(m, sp)))) goto failed;
        pc++;
        continue;
      case I_EOL:
        if (sp != m->len) {
          size_t j = sp;
          if (!re->multiline || !is_line_term(sfn_jnf_utf8_next((const char *)m->s, m->len, &j))) goto failed;
        }
        pc++;
        continue;
      case I_WORDB:
      case I_NWORDB: {
        int a = sp > 0 && is_word(prev_cp(m, sp)), b = sp < m->len && is_word(m->s[sp]);
        if ((a != b) != (in->op == I_WORDB)) goto failed;
        pc++;
        continue;
      }
      case I_LOOK: {
        size_t e, mark = m->n;
        long saved[2 * (SFN_JN_MAX_GROUPS + 1)];
        int r;
        memcpy(saved, m->caps, sizeof saved);
        if (!(in->y & 2)) {
          r = run(m, pc + 1, sp, &e);
        } else {
          /* lookbehind: the body must match from some earlier position up
           * to here; the nearest start is tried first (JavaScript matches
           * backwards, so greedy captures inside may differ) */
          size_t k = sp, old_target = m->target;
          m->target = sp;
          for (;;) {
            r = run(m, pc + 1, k, &e);
            if (r != 0 || k == 0) break;
            k--;
            while (k > 0 && (m->s[k] & 0xC0) == 0x80) k--;
          }
          m->target = old_target;
        }
        if (r < 0) return -1;
        m->n = mark; /* the lookaround is atomic: drop its choice points */
        if (in->y & 1) {
          memcpy(m->caps, saved, sizeof saved);
          if (r) goto failed;
        } else {
          int k;
          if (!r) goto failed;
          /* keep the captures it made, undoable on backtracking */
          for (k = 0; k < 2 * (re->ngroups + 1); k++)
            if (m->caps[k] != saved[k] && !push(m, B_SLOT, k, saved[k])) return -1;
        }
        pc = in->x;
        continue;
      }
      case I_BACKREF: {
        long gs = m->caps[2 * in->x], ge = m->caps[2 * in->x + 1];
        if (gs >= 0 && ge >= gs) {
          size_t i = (size_t)gs, j = sp;
          while (i < (size_t)ge) {
            uint32_t a, b;
            if (j >= m->len) goto failed;
            a = sfn_jnf_utf8_next((const char *)m->s, m->len, &i);
            b = sfn_jnf_utf8_next((const char *)m->s, m->len, &j);
            if (a != b && !(re->icase && canon(a) == canon(b))) goto failed;
          }
          sp = j;
        }
        pc++;
        continue;
      }
      case I_MARK:
        if (!push(m, B_REG, in->x, m->regs[in->x])) return -1;
        m->regs[in->x] = (long)sp;
        pc++;
        continue;
      case I_CHECK:
        if (m->regs[in->x] == (long)sp) goto failed;
        pc++;
        continue;
      case I_CLEAR: {
        int g;
        for (g = in->x; g <= in->y; g++) {
          if (m->caps[2 * g] != -1 && !push(m, B_SLOT, 2 * g, m->caps[2 * g])) return -1;
          if (m->caps[2 * g + 1] != -1 && !push(m, B_SLOT, 2 * g + 1, m->caps[2 * g + 1])) return -1;
          m->caps[2 * g] = m->caps[2 * g + 1] = -1;
        }
        pc++;
        continue;
      }
      case I_ATEND:
        if (sp != m->target) goto failed;
        pc++;
        continue;
      case I_MATCH: *end = sp; return 1;
    }
  failed:
    for (;;) {
      bt *t;
      if (m->n == base) return 0;
      t = &m->stack[--m->n];
      if (t->kind == B_SLOT) {
        m->caps[t->a] = t->b;
      } else if (t->kind == B_REG) {
        m->regs[t->a] = t->b;
      } else {
        pc = t->a;
        sp = (size_t)t->b;
        break;
      }
    }
  }
}

int sfn_jn_regex_exec(const sfn_jn_regex *re, const char *s, size_t slen, size_t from, size_t *mstart,
                      size_t *mend, long groups[][2], int *ngroups, sfn_error *err) {
  vm m;
  size_t start = from, end;
  int r = 0, k;
  memset(&m, 0, sizeof m);
  m.re = re;
  m.s = (const unsigned char *)s;
  m.len = slen;
  *ngroups = re->ngroups;
  if (re->nregs) {
    m.regs = sfn_malloc((size_t)re->nregs * sizeof(long));
    if (!m.regs) return sfn_error_oom(err);
  }
  while (start <= slen) {
    for (k = 0; k < 2 * (SFN_JN_MAX_GROUPS + 1); k++) m.caps[k] = -1;
    for (k = 0; k < re->nregs; k++) m.regs[k] = -1;
    m.n = 0;
    r = run(&m, 0, start, &end);
    if (r != 0) break;
    if (start == slen) break;
    (void)sfn_jnf_utf8_next(s, slen, &start);
  }
  sfn_free(m.stack);
  sfn_free(m.regs);
  if (r < 0) {
    if (m.oom) return sfn_error_oom(err), -1;
    sfn_error_set(err, "D1004", "Regular expression matching exceeded its step budget");
    return -1;
  }
  if (r == 0) return 0;
  *mstart = (size_t)m.caps[0];
  *mend = (size_t)m.caps[1];
  for (k = 0; k < re->ngroups; k++) {
    groups[k][0] = m.caps[2 * (k + 1)];
    groups[k][1] = m.caps[2 * (k + 1) + 1];
    if (groups[k][0] < 0 || groups[k][1] < 0) groups[k][0] = groups[k][1] = -1;
  }
  return 1;
}
