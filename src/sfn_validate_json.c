/*
 * sfn_validate_json.c: the INVALID_JSON_DESCRIPTION diagnostic for a
 * definition that is not JSON.  AWS parses definitions with Jackson and
 * passes its exception text on, so this is a small JSON scanner that stops
 * at the first error and words it as Jackson does, with Jackson's location
 * ("[Source: (String)\"...\"; line: L, column: C]", the column counted one
 * past the offending character, the source cut at 500 characters).
 */
#include <stdio.h>
#include <string.h>

#include "sfn_validate_int.h"

#define JS_VALUE_LIST "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
#define JS_SNIPPET 500

typedef struct jframe {
  int object; /* 1 object, 0 array */
  int line, col;
} jframe;

typedef struct jscan {
  const char *s;
  size_t n, i;          /* i: the next byte to read */
  int line;             /* 1-based */
  size_t line_start;    /* byte index of the current line's first char */
  sfn_buf msg;          /* the error, once found */
  int failed;
  jframe *stack;
  size_t depth, cap;
} jscan;

static size_t chars_between(const char *s, size_t a, size_t b) {
  size_t i, n = 0;
  for (i = a; i < b; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
  return n;
}

/* Jackson's 1-based column of byte position pos on the current line. */
static int col_at(jscan *j, size_t pos) { return (int)chars_between(j->s, j->line_start, pos) + 1; }

static void source_desc(jscan *j, sfn_buf *b, int line, int col) {
  size_t total = chars_between(j->s, 0, j->n), cut = j->n, k = 0, i;
  if (total > JS_SNIPPET) {
    for (i = 0; i < j->n; i++) {
      if (((unsigned char)j->s[i] & 0xC0) != 0x80) {
        if (k == JS_SNIPPET) {
          cut = i;
          break;
        }
        k++;
      }
    }
  }
  sfn_buf_adds(b, "[Source: (String)\"");
  sfn_buf_add(b, j->s, cut);
  sfn_buf_addc(b, '"');
  if (total > JS_SNIPPET)
    sfn_buf_printf(b, "[truncated %lu chars]", (unsigned long)(total - JS_SNIPPET));
  sfn_buf_printf(b, "; line: %d, column: %d]", line, col);
}

/* Record the error text (the location is added by the caller). */
static void fail(jscan *j, const char *fmt, ...) SFN_PRINTF(2, 3);
static void fail(jscan *j, const char *fmt, ...) {
  va_list ap;
  char tmp[512];
  if (j->failed) return;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  sfn_buf_adds(&j->msg, tmp);
  j->failed = 1;
}

/* Jackson's description of a character: 'x' (code 120), or
 * (CTRL-CHAR, code 10). */
static void char_desc(char *out, size_t cap, jscan *j, size_t at) {
  unsigned char c = (unsigned char)j->s[at];
  if (c < 32) {
    snprintf(out, cap, "(CTRL-CHAR, code %d)", c);
  } else if (c < 0x80) {
    snprintf(out, cap, "'%c' (code %d)", c, c);
  } else {
    /* the whole UTF-8 sequence, with its code point */
    size_t len = 1;
    uint32_t cp = c;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 7;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 15;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 31;
    }
    if (at + len > j->n) len = 1;
    {
      size_t k;
      for (k = 1; k < len; k++) cp = (cp << 6) | ((unsigned char)j->s[at + k] & 0x3F);
    }
    if (cp > 255)
      snprintf(out, cap, "'%.*s' (code %lu / 0x%lx)", (int)len, j->s + at, (unsigned long)cp,
               (unsigned long)cp);
    else
      snprintf(out, cap, "'%.*s' (code %lu)", (int)len, j->s + at, (unsigned long)cp);
  }
}

static void unexpected(jscan *j, size_t at, const char *what) {
  char d[64];
  char_desc(d, sizeof d, j, at);
  fail(j, "Unexpected character (%s): %s", d, what);
}

/* Skip white space, counting lines.  Returns the next byte or -1 at the
 * end; an illegal control character fails. */
static int skip_ws(jscan *j) {
  while (j->i < j->n) {
    unsigned char c = (unsigned char)j->s[j->i];
    if (c == ' ' || c == '\t') {
      j->i++;
    } else if (c == '\n') {
      j->i++;
      j->line++;
      j->line_start = j->i;
    } else if (c == '\r') {
      j->i++;
      if (j->i < j->n && j->s[j->i] == '\n') j->i++;
      j->line++;
      j->line_start = j->i;
    } else if (c < 32) {
      char d[64];
      j->i++;
      char_desc(d, sizeof d, j, j->i - 1);
      fail(j, "Illegal character (%s): only regular white space (\\r, \\n, \\t) is allowed between "
              "tokens", d);
      return -1;
    } else {
      return c;
    }
  }
  return -1;
}

static int ident_part(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || c >= 0x80;
}

static int ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}

static void scan_string(jscan *j, int name) {
  j->i++; /* opening quote */
  for (;;) {
    unsigned char c;
    if (j->i >= j->n) {
      if (name)
        fail(j, "Unexpected end-of-input in field name");
      else
        fail(j, "Unexpected end-of-input: was expecting closing quote for a string value");
      return;
    }
    c = (unsigned char)j->s[j->i++];
    if (c == '"') return;
    if (c < 32) {
      char d[64];
      char_desc(d, sizeof d, j, j->i - 1);
      fail(j, "Illegal unquoted character (%s): has to be escaped using backslash to be included "
              "in %s", d, name ? "name" : "string value");
      return;
    }
    if (c == '\\') {
      unsigned char e;
      if (j->i >= j->n) {
        fail(j, "Unexpected end-of-input in character escape sequence");
        return;
      }
      e = (unsigned char)j->s[j->i++];
      if (e == 'u') {
        int k;
        for (k = 0; k < 4; k++) {
          unsigned char h;
          if (j->i >= j->n) {
            fail(j, "Unexpected end-of-input in character escape sequence");
            return;
          }
          h = (unsigned char)j->s[j->i++];
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
            unexpected(j, j->i - 1, "expected a hex-digit for character escape sequence");
            return;
          }
        }
      } else if (!strchr("\"\\/bfnrt", e) || e == 0) {
        char d[64];
        char_desc(d, sizeof d, j, j->i - 1);
        fail(j, "Unrecognized character escape %s", d);
        return;
      }
    }
  }
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static void number_char_error(jscan *j, const char *what) {
  if (j->i >= j->n) {
    fail(j, "Unexpected end-of-input in a Number value");
    return;
  }
  {
    char d[64];
    j->i++;
    char_desc(d, sizeof d, j, j->i - 1);
    fail(j, "Unexpected character (%s) in numeric value: %s", d, what);
  }
}

static void scan_number(jscan *j) {
  if (j->s[j->i] == '-') {
    j->i++;
    if (j->i >= j->n || !is_digit(j->s[j->i])) {
      number_char_error(j, "expected digit (0-9) to follow minus sign, for valid numeric value");
      return;
    }
  }
  if (j->s[j->i] == '0' && j->i + 1 < j->n && is_digit(j->s[j->i + 1])) {
    j->i += 2;
    fail(j, "Invalid numeric value: Leading zeroes not allowed");
    return;
  }
  while (j->i < j->n && is_digit(j->s[j->i])) j->i++;
  if (j->i < j->n && j->s[j->i] == '.') {
    j->i++;
    if (j->i >= j->n || !is_digit(j->s[j->i])) {
      number_char_error(j, "Decimal point not followed by a digit");
      return;
    }
    while (j->i < j->n && is_digit(j->s[j->i])) j->i++;
  }
  if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
    j->i++;
    if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-')) j->i++;
    if (j->i >= j->n || !is_digit(j->s[j->i])) {
      number_char_error(j, "Exponent indicator not followed by a digit");
      return;
    }
    while (j->i < j->n && is_digit(j->s[j->i])) j->i++;
  }
}

/* A scalar value, or the start of a container (pushed).  c is s[i]. */
static void scan_value_start(jscan *j, int c) {
  if (c == '{' || c == '[') {
    if (j->depth == j->cap) {
      size_t cap = j->cap ? j->cap * 2 : 32;
      jframe *st = sfn_realloc(j->stack, cap * sizeof *st);
      if (!st) {
        j->msg.oom = 1;
        j->failed = 1;
        return;
      }
      j->stack = st;
      j->cap = cap;
    }
    j->stack[j->depth].object = c == '{';
    j->stack[j->depth].line = j->line;
    j->stack[j->depth].col = col_at(j, j->i);
    j->depth++;
    j->i++;
  } else if (c == '"') {
    scan_string(j, 0);
  } else if (c == '-' || is_digit(c)) {
    scan_number(j);
  } else if (ident_start((unsigned char)c)) {
    size_t start = j->i;
    while (j->i < j->n && ident_part((unsigned char)j->s[j->i])) j->i++;
    if (!((j->i - start == 4 && (!memcmp(j->s + start, "true", 4) ||
                                 !memcmp(j->s + start, "null", 4))) ||
          (j->i - start == 5 && !memcmp(j->s + start, "false", 5))))
      fail(j, "Unrecognized token '%.*s': was expecting " JS_VALUE_LIST,
           (int)(j->i - start > 256 ? 256 : j->i - start), j->s + start);
  } else {
    j->i++;
    unexpected(j, j->i - 1, "expected a valid value " JS_VALUE_LIST);
  }
}

static void close_mismatch(jscan *j, int c) {
  jframe *f = &j->stack[j->depth - 1];
  sfn_buf b;
  j->i++;
  sfn_buf_init(&b);
  source_desc(j, &b, f->line, f->col);
  sfn_buf_addc(&b, 0);
  if (b.oom) {
    j->msg.oom = 1;
    j->failed = 1;
  } else {
    fail(j, "Unexpected close marker '%c': expected '%c' (for %s starting at %s)", c,
         f->object ? '}' : ']', f->object ? "Object" : "Array", b.data);
  }
  sfn_buf_free(&b);
}

/* Scan the whole text; on error j->failed is set and j->msg holds it. */
static void scan(jscan *j) {
  int c = skip_ws(j);
  /* first: right after an opening bracket (no comma expected) */
  int first = 1;
  if (c < 0) return;
  scan_value_start(j, c);
  while (!j->failed && j->depth > 0) {
    jframe *f = &j->stack[j->depth - 1];
    c = skip_ws(j);
    if (j->failed) return;
    if (c < 0) {
      sfn_buf b;
      sfn_buf_init(&b);
      source_desc(j, &b, f->line, f->col);
      sfn_buf_addc(&b, 0);
      if (!b.oom)
        fail(j, "Unexpected end-of-input: expected close marker for %s (start marker at %s)",
             f->object ? "Object" : "Array", b.data);
      else
        j->msg.oom = j->failed = 1;
      sfn_buf_free(&b);
      return;
    }
    /* here: right after an opening bracket or after a complete value */
    if (c == '}' || c == ']') {
      if ((c == '}') != (f->object != 0)) {
        close_mismatch(j, c);
        return;
      }
      j->i++;
      j->depth--;
      first = 0;
      continue;
    }
    if (!first) {
      if (c != ',') {
        j->i++;
        unexpected(j, j->i - 1,
                   f->object ? "was expecting comma to separate Object entries"
                             : "was expecting comma to separate Array entries");
        return;
      }
      j->i++;
      c = skip_ws(j);
      if (j->failed) return;
      if (c < 0) {
        fail(j, "Unexpected end-of-input within/between %s entries", f->object ? "Object" : "Array");
        return;
      }
    }
    if (f->object) {
      if (c != '"') {
        j->i++;
        unexpected(j, j->i - 1, "was expecting double-quote to start field name");
        return;
      }
      scan_string(j, 1);
      if (j->failed) return;
      c = skip_ws(j);
      if (j->failed) return;
      if (c < 0) {
        fail(j, "Unexpected end-of-input within/between Object entries");
        return;
      }
      if (c != ':') {
        j->i++;
        unexpected(j, j->i - 1, "was expecting a colon to separate field name and value");
        return;
      }
      j->i++;
      c = skip_ws(j);
      if (j->failed) return;
      if (c < 0) {
        fail(j, "Unexpected end-of-input within/between Object entries");
        return;
      }
    }
    {
      size_t before = j->depth;
      scan_value_start(j, c);
      first = j->depth > before; /* a new container: its first member comes next */
    }
  }
}

int sfn_validate_json_error(const char *text, size_t len, sfn_diagnostics *diags) {
  jscan j;
  sfn_buf loc, full;
  int rc = SFN_NOTFOUND;
  memset(&j, 0, sizeof j);
  j.s = text;
  j.n = len;
  j.line = 1;
  sfn_buf_init(&j.msg);
  scan(&j);
  if (j.failed && !j.msg.oom && j.msg.data) {
    sfn_buf_init(&loc);
    sfn_buf_init(&full);
    source_desc(&j, &loc, j.line, col_at(&j, j.i));
    sfn_buf_add(&full, j.msg.data, j.msg.len);
    sfn_buf_adds(&full, "\n at ");
    if (!loc.oom) sfn_buf_add(&full, loc.data, loc.len);
    rc = SFN_ERR;
    if (!loc.oom && !full.oom) {
      char *code = sfn_strndup("INVALID_JSON_DESCRIPTION", 24);
      char *m = sfn_buf_take(&full, NULL), *l = sfn_buf_take(&loc, NULL);
      if (diags->n == diags->cap && code && m && l) {
        size_t cap = diags->cap ? diags->cap * 2 : 8;
        sfn_diagnostic *items = sfn_realloc(diags->items, cap * sizeof *items);
        if (items) {
          diags->items = items;
          diags->cap = cap;
        }
      }
      if (code && m && l && diags->n < diags->cap) {
        sfn_diagnostic *x = &diags->items[diags->n++];
        memset(x, 0, sizeof *x);
        x->code = code;
        x->message = m;
        x->location = l;
        x->severity = SFN_DIAG_ERROR;
        rc = SFN_OK;
      } else {
        sfn_free(code);
        sfn_free(m);
        sfn_free(l);
      }
    }
    sfn_buf_free(&loc);
    sfn_buf_free(&full);
  } else if (j.failed) {
    rc = SFN_ERR; /* out of memory */
  }
  sfn_buf_free(&j.msg);
  sfn_free(j.stack);
  return rc;
}
