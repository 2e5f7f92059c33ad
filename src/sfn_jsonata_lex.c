/*
 * sfn_jsonata_lex.c: JSONata's lexer (operators, names, variables, string
 * and number literals with JSON escapes, backquoted names, regex literals,
 * comments) and the function signature parser ("<s-n?:s>").
 */
#include "sfn_jsonata_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jperr(jparser *P, const char *code, int pos, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sfn_error_setv(P->A->err, code, fmt, ap);
  va_end(ap);
  if (P->A->err) P->A->err->column = pos;
  longjmp(*P->A->jb, 1);
}

/* ---- lexer ---- */

static int is_op_char(char c) {
  return c && strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", c) != NULL;
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

static void add_utf8(jsb *b, unsigned long cp) {
  if (cp < 0x80) jsb_addc(b, (char)cp);
  else if (cp < 0x800) {
    jsb_addc(b, (char)(0xC0 | (cp >> 6)));
    jsb_addc(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    jsb_addc(b, (char)(0xE0 | (cp >> 12)));
    jsb_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    jsb_addc(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    jsb_addc(b, (char)(0xF0 | (cp >> 18)));
    jsb_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
    jsb_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    jsb_addc(b, (char)(0x80 | (cp & 0x3F)));
  }
}

static int hex4(const char *s, size_t avail, unsigned long *out) {
  unsigned long v = 0;
  int i;
  if (avail < 4) return 0;
  for (i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
    else return 0;
  }
  *out = v;
  return 1;
}

static void lex_string(jparser *P, char q) {
  jsb b;
  size_t i = P->pos + 1;
  const char *s = P->src;
  jsb_init(&b, P->A);
  while (i < P->len) {
    char c = s[i];
    if (c == '\\') {
      i++;
      if (i >= P->len) break;
      c = s[i];
      switch (c) {
      case '"': case '\\': case '/': jsb_addc(&b, c); break;
      case 'b': jsb_addc(&b, '\b'); break;
      case 'f': jsb_addc(&b, '\f'); break;
      case 'n': jsb_addc(&b, '\n'); break;
      case 'r': jsb_addc(&b, '\r'); break;
      case 't': jsb_addc(&b, '\t'); break;
      case 'u': {
        unsigned long cp, lo;
        if (!hex4(s + i + 1, P->len - i - 1, &cp))
          jperr(P, "S0104", (int)i, "The escape sequence \\u must be followed by 4 hex digits");
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < P->len + 0 && s[i + 1] == '\\' && s[i + 2] == 'u' &&
            hex4(s + i + 3, P->len - i - 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        add_utf8(&b, cp);
        break;
      }
      default:
        jperr(P, "S0103", (int)i, "Unsupported escape sequence: \\%c", c);
      }
      i++;
    } else if (c == q) {
      P->tok.type = T_STR;
      P->tok.val = b.p ? jv_str_nocopy(P->A, b.p, b.n) : jv_str(P->A, "", 0);
      P->pos = i + 1;
      return;
    } else {
      jsb_addc(&b, c);
      i++;
    }
  }
  jperr(P, "S0101", (int)i, "String literal must be terminated by a matching quote");
}

static void lex_regex(jparser *P) {
  size_t start = P->pos + 1, i = start, fs;
  int depth = 0;
  const char *s = P->src;
  while (i < P->len) {
    char c = s[i];
    if (c == '/' && depth == 0) {
      size_t bs = 0;
      while (i - bs > start && s[i - bs - 1] == '\\') bs++;
      if (bs % 2 == 0) {
        char flags[8];
        int nf = 0;
        jregex_list *rl;
        sfn_jn_regex *re;
        jv *v;
        if (i == start) jperr(P, "S0301", (int)i, "Empty regular expressions are not allowed");
        fs = i + 1;
        while (fs < P->len && (s[fs] == 'i' || s[fs] == 'm')) {
          if (nf < 6) flags[nf++] = s[fs];
          fs++;
        }
        flags[nf] = '\0';
        re = sfn_jn_regex_compile(s + start, i - start, flags, P->A->err);
        if (!re) longjmp(*P->A->jb, 1);
        rl = sfn_malloc(sizeof *rl);
        if (!rl) {
          sfn_jn_regex_free(re);
          ja_oom(P->A);
        }
        rl->re = re;
        rl->next = P->e->regexes;
        P->e->regexes = rl;
        v = ja_alloc(P->A, sizeof *v);
        memset(v, 0, sizeof *v);
        v->t = JV_RE;
        v->u.re = re;
        P->tok.type = T_REGEX;
        P->tok.val = v;
        P->pos = fs;
        return;
      }
    }
    if ((c == '(' || c == '[' || c == '{') && s[i - 1] != '\\') depth++;
    if ((c == ')' || c == ']' || c == '}') && s[i - 1] != '\\') depth--;
    i++;
  }
  jperr(P, "S0302", (int)i, "No terminating / in regular expression");
}

void jlex(jparser *P) {
  const char *s = P->src;
  size_t n = P->len;
  int was_operand = P->prev_operand;
  for (;;) {
    while (P->pos < n && is_space(s[P->pos])) P->pos++;
    if (P->pos + 1 < n && s[P->pos] == '/' && s[P->pos + 1] == '*') {
      size_t i = P->pos + 2;
      while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) i++;
      if (i + 1 >= n) jperr(P, "S0106", (int)P->pos, "Comment has no closing tag");
      P->pos = i + 2;
      continue;
    }
    break;
  }
  P->tok.start = (int)P->pos;
  P->tok.val = NULL;
  if (P->pos >= n) {
    P->tok.type = T_END;
    P->tok.s = "(end)";
    P->tok.len = 5;
    P->tok.pos = (int)P->pos;
    return;
  }
  {
    char c = s[P->pos], d = P->pos + 1 < n ? s[P->pos + 1] : 0;
    if (c == '/' && !was_operand) {
      lex_regex(P);
      P->tok.pos = (int)P->pos;
      P->prev_operand = 1;
      return;
    }
    if ((c == '.' && d == '.') || (c == ':' && d == '=') || (c == '!' && d == '=') || (c == '>' && d == '=') ||
        (c == '<' && d == '=') || (c == '*' && d == '*') || (c == '~' && d == '>')) {
      P->tok.type = T_OP;
      P->tok.s = s + P->pos;
      P->tok.len = 2;
      P->pos += 2;
      P->tok.pos = (int)P->pos;
      P->prev_operand = (c == '*');
      return;
    }
    if (c == '!' || c == '~') jperr(P, "S0204", (int)P->pos + 1, "Unknown operator: \"%c\"", c);
    if (is_op_char(c)) {
      P->tok.type = T_OP;
      P->tok.s = s + P->pos;
      P->tok.len = 1;
      P->pos++;
      P->tok.pos = (int)P->pos;
      P->prev_operand = (c == ')' || c == ']' || c == '}' || c == '*' || c == '%');
      return;
    }
    if (c == '"' || c == '\'') {
      lex_string(P, c);
      P->tok.pos = (int)P->pos;
      P->prev_operand = 1;
      return;
    }
    if (c >= '0' && c <= '9') {
      size_t i = P->pos;
      double v;
      char *tmp;
      if (s[i] == '0') i++;
      else
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
      if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
      }
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && s[j] >= '0' && s[j] <= '9') {
          while (j < n && s[j] >= '0' && s[j] <= '9') j++;
          i = j;
        }
      }
      tmp = ja_strndup(P->A, s + P->pos, i - P->pos);
      v = strtod(tmp, NULL);
      if (!isfinite(v)) jperr(P, "S0102", (int)i, "Number out of range: %s", tmp);
      P->tok.type = T_NUM;
      P->tok.val = jv_num(P->A, v);
      P->tok.s = s + P->pos;
      P->tok.len = i - P->pos;
      P->pos = i;
      P->tok.pos = (int)i;
      P->prev_operand = 1;
      return;
    }
    if (c == '`') {
      const char *e = memchr(s + P->pos + 1, '`', n - P->pos - 1);
      if (!e) jperr(P, "S0105", (int)n, "Quoted property name must be terminated with a backquote (`)");
      P->tok.type = T_NAME;
      P->tok.s = s + P->pos + 1;
      P->tok.len = (size_t)(e - (s + P->pos + 1));
      P->pos = (size_t)(e - s) + 1;
      P->tok.pos = (int)P->pos;
      P->prev_operand = 1;
      return;
    }
    {
      size_t i = P->pos;
      while (i < n && !is_space(s[i]) && !is_op_char(s[i])) i++;
      P->tok.pos = (int)i;
      P->prev_operand = 1;
      if (c == '$') {
        P->tok.type = T_VAR;
        P->tok.s = s + P->pos + 1;
        P->tok.len = i - P->pos - 1;
      } else {
        size_t l = i - P->pos;
        const char *w = s + P->pos;
        P->tok.s = w;
        P->tok.len = l;
        P->tok.type = T_NAME;
        if ((l == 3 && !memcmp(w, "and", 3)) || (l == 2 && !memcmp(w, "or", 2)) || (l == 2 && !memcmp(w, "in", 2))) {
          P->tok.type = T_OP;
          P->prev_operand = 0;
        } else if (l == 4 && !memcmp(w, "true", 4)) {
          P->tok.type = T_VALUE;
          P->tok.val = JTRUE;
        } else if (l == 5 && !memcmp(w, "false", 5)) {
          P->tok.type = T_VALUE;
          P->tok.val = JFALSE;
        } else if (l == 4 && !memcmp(w, "null", 4)) {
          P->tok.type = T_VALUE;
          P->tok.val = JNULL;
        }
      }
      P->pos = i;
    }
  }
}

/* ---- signatures ---- */

void jsig_parse(jarena *A, const char *s, size_t len, jsig *out) {
  size_t i = 1;
  jsigp *prev = NULL;
  memset(out, 0, sizeof *out);
  if (len < 2 || s[0] != '<') ja_throw(A, "S0401", "Invalid function signature");
  while (i < len && s[i] != '>' && s[i] != ':') {
    char c = s[i];
    jsigp *p;
    if (strchr("bnslaofjx", c) || c == '(') {
      if (out->n >= JSIG_MAX) ja_throw(A, "S0401", "Function signature too long");
      p = &out->p[out->n++];
      memset(p, 0, sizeof *p);
      p->type = c;
      switch (c) {
      case 'b': case 'n': case 's': case 'l': case 'o':
        p->set[0] = c;
        p->set[1] = 'm';
        break;
      case 'a': strcpy(p->set, "asnblfom"); break;
      case 'f': strcpy(p->set, "f"); break;
      case 'j': strcpy(p->set, "asnblom"); break;
      case 'x': strcpy(p->set, "asnblfom"); break;
      case '(': {
        size_t j = i + 1, k = 0;
        while (j < len && s[j] != ')') {
          if (s[j] == '<') ja_throw(A, "S0402", "Choice groups containing parameterized types are not supported");
          if (k < 12) p->set[k++] = s[j];
          j++;
        }
        p->set[k++] = 'm';
        p->set[k] = '\0';
        i = j;
        break;
      }
      }
      prev = p;
      i++;
      continue;
    }
    if (c == '-' && prev) {
      prev->context = 1;
      i++;
      continue;
    }
    if ((c == '?' || c == '+') && prev) {
      prev->mod = c;
      i++;
      continue;
    }
    if (c == '<' && prev) {
      size_t j = i + 1, k = 0;
      int depth = 1;
      if (prev->type != 'a' && prev->type != 'f')
        ja_throw(A, "S0401", "Type parameters can only be applied to functions and arrays");
      while (j < len && depth > 0) {
        if (s[j] == '<') depth++;
        if (s[j] == '>') depth--;
        if (depth > 0 && k < 15) prev->sub[k++] = s[j];
        j++;
      }
      prev->sub[k] = '\0';
      i = j;
      continue;
    }
    ja_throw(A, "S0401", "Invalid function signature");
  }
}
