/*
 * sfn_core.c: the allocator hook, error records and byte buffers.
 */
#include "sfn_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *default_alloc(void *ud, void *ptr, size_t nsize) {
  (void)ud;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

static sfn_alloc_fn alloc_fn = default_alloc;
static void *alloc_ud = NULL;

void sfn_set_allocator(sfn_alloc_fn fn, void *ud) {
  alloc_fn = fn ? fn : default_alloc;
  alloc_ud = fn ? ud : NULL;
}

void *sfn_malloc(size_t n) { return alloc_fn(alloc_ud, NULL, n ? n : 1); }
void *sfn_realloc(void *p, size_t n) { return alloc_fn(alloc_ud, p, n ? n : 1); }
void sfn_free(void *p) {
  if (p) alloc_fn(alloc_ud, p, 0);
}

char *sfn_strndup(const char *s, size_t n) {
  char *d = sfn_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

int sfn_error_setv(sfn_error *err, const char *code, const char *fmt, va_list ap) {
  if (!err) return SFN_ERR;
  sfn_error_clear(err);
  snprintf(err->code, sizeof err->code, "%s", code);
  if (fmt) {
    sfn_buf b;
    va_list cp;
    int n;
    sfn_buf_init(&b);
    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n >= 0 && sfn_buf_reserve(&b, (size_t)n + 1) == SFN_OK) {
      vsnprintf(b.data, (size_t)n + 1, fmt, ap);
      err->message = b.data;
    }
  }
  return SFN_ERR;
}

int sfn_error_set(sfn_error *err, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sfn_error_setv(err, code, fmt, ap);
  va_end(ap);
  return SFN_ERR;
}

int sfn_error_oom(sfn_error *err) {
  if (!err) return SFN_ERR;
  sfn_error_clear(err);
  snprintf(err->code, sizeof err->code, "%s", "OutOfMemory");
  return SFN_ERR;
}

void sfn_error_clear(sfn_error *err) {
  if (!err) return;
  sfn_free(err->message);
  err->message = NULL;
  err->code[0] = '\0';
  err->line = err->column = 0;
}

void sfn_error_move(sfn_error *dst, sfn_error *src) {
  if (!dst) {
    sfn_error_clear(src);
    return;
  }
  sfn_error_clear(dst);
  *dst = *src;
  src->message = NULL;
  src->code[0] = '\0';
  src->line = src->column = 0;
}

void sfn_buf_init(sfn_buf *b) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}

void sfn_buf_free(sfn_buf *b) {
  sfn_free(b->data);
  sfn_buf_init(b);
}

int sfn_buf_reserve(sfn_buf *b, size_t extra) {
  size_t need, cap;
  char *d;
  if (b->oom) return SFN_ERR;
  need = b->len + extra;
  if (need <= b->cap) return SFN_OK;
  cap = b->cap ? b->cap : 64;
  while (cap < need) cap *= 2;
  d = sfn_realloc(b->data, cap);
  if (!d) {
    b->oom = 1;
    return SFN_ERR;
  }
  b->data = d;
  b->cap = cap;
  return SFN_OK;
}

void sfn_buf_add(sfn_buf *b, const char *s, size_t n) {
  if (n == 0) return; /* s may be NULL then (an empty literal) */
  if (sfn_buf_reserve(b, n + 1) != SFN_OK) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

void sfn_buf_addc(sfn_buf *b, char c) {
  if (b->len + 1 < b->cap) {
    b->data[b->len++] = c;
    return;
  }
  sfn_buf_add(b, &c, 1);
}

void sfn_buf_adds(sfn_buf *b, const char *s) { sfn_buf_add(b, s, strlen(s)); }

void sfn_buf_printf(sfn_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || sfn_buf_reserve(b, (size_t)n + 1) != SFN_OK) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *sfn_buf_take(sfn_buf *b, size_t *len) {
  char *d;
  if (b->oom || sfn_buf_reserve(b, 1) != SFN_OK) {
    sfn_buf_free(b);
    return NULL;
  }
  b->data[b->len] = '\0';
  d = b->data;
  if (len) *len = b->len;
  sfn_buf_init(b);
  return d;
}
