/*
 * sfn_core.h: what every part of the C core shares: status codes, the error
 * record, and the one allocator hook all allocations go through.
 *
 * The core is sans-I/O: no file, socket, clock or Lua access happens here.
 * Functions return SFN_OK or an error status and fill an optional
 * sfn_error out-parameter (which may be NULL).
 */
#ifndef SFN_CORE_H
#define SFN_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#if defined(__GNUC__)
#define SFN_API __attribute__((visibility("default")))
#define SFN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SFN_API
#define SFN_PRINTF(a, b)
#endif

/* Status codes.  SFN_NOTFOUND is not a failure: a path that selects nothing. */
enum {
  SFN_OK = 0,
  SFN_ERR = -1,
  SFN_NOTFOUND = 1
};

/*
 * An error: a stable machine-readable code (an AWS error name such as
 * "States.Runtime", "InvalidDefinition", or a codec code such as
 * "JSONError") and a human message (owned, may be NULL).  JSON decode errors
 * also fill line/column (1-based; 0 when not applicable).
 */
typedef struct sfn_error {
  char code[64];
  char *message;
  int line, column;
} sfn_error;

/* Set err (if not NULL), replacing any earlier content.  Returns SFN_ERR. */
int sfn_error_set(sfn_error *err, const char *code, const char *fmt, ...) SFN_PRINTF(3, 4);
int sfn_error_setv(sfn_error *err, const char *code, const char *fmt, va_list ap);
/* Set err to the out-of-memory error.  Returns SFN_ERR. */
int sfn_error_oom(sfn_error *err);
/* Free the message and reset err to empty (safe on an empty or NULL err). */
void sfn_error_clear(sfn_error *err);
/* Move src into dst (dst cleared first); src becomes empty. */
void sfn_error_move(sfn_error *dst, sfn_error *src);

/*
 * Allocator hook.  fn(ud, ptr, nsize): nsize == 0 frees ptr and returns NULL;
 * otherwise behaves as realloc.  The default uses the C library.  Set it once,
 * before any value exists.
 */
typedef void *(*sfn_alloc_fn)(void *ud, void *ptr, size_t nsize);
SFN_API void sfn_set_allocator(sfn_alloc_fn fn, void *ud);
void *sfn_malloc(size_t n);
void *sfn_realloc(void *p, size_t n);
void sfn_free(void *p);
char *sfn_strndup(const char *s, size_t n);

/*
 * A growable byte buffer (owning).  On allocation failure `oom` is set and
 * further appends are ignored; check it once at the end.
 */
typedef struct sfn_buf {
  char *data;
  size_t len, cap;
  int oom;
} sfn_buf;

void sfn_buf_init(sfn_buf *b);
void sfn_buf_free(sfn_buf *b);
int sfn_buf_reserve(sfn_buf *b, size_t extra);
void sfn_buf_add(sfn_buf *b, const char *s, size_t n);
void sfn_buf_addc(sfn_buf *b, char c);
void sfn_buf_adds(sfn_buf *b, const char *s);
void sfn_buf_printf(sfn_buf *b, const char *fmt, ...) SFN_PRINTF(2, 3);
/* NUL-terminate and hand the data over (caller frees with sfn_free). */
char *sfn_buf_take(sfn_buf *b, size_t *len);

#endif
