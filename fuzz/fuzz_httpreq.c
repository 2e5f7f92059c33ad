/*
 * fuzz_httpreq.c: libFuzzer target for the HTTP request parser.
 *
 * The input is a byte stream as a client could send it on one connection
 * (pipelined requests).  It is parsed three ways: all at once, one byte at a
 * time, and in pieces whose sizes come from the input; the three must give
 * the same sequence of requests (method, target, version, fields, body,
 * keep-alive) and end the same way (the same error status, or the same
 * bytes pending).  Small limits from the first byte make the 413/431 paths
 * reachable.  Then the stream is parsed again with an allocator that fails
 * at one allocation, which must end in status 500 or succeed, and free
 * everything (ASan/LSan catch leaks).
 */
#include "sfn_httpreq.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A running hash of what the parser reported. */
static void mix(uint64_t *h, const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i;
  for (i = 0; i < n; i++) *h = (*h ^ s[i]) * 1099511628211ULL;
  *h = (*h ^ n) * 1099511628211ULL;
}

static void digest_request(sfn_httpreq *p, uint64_t *h) {
  size_t n, i;
  const char *s;
  sfn_httpreq_field f;
  int k;
  s = sfn_httpreq_method(p, &n);
  if (n == 0) __builtin_trap(); /* a done request has a method */
  mix(h, s, n);
  s = sfn_httpreq_target(p, &n);
  if (n == 0) __builtin_trap();
  mix(h, s, n);
  k = sfn_httpreq_version_minor(p) * 2 + sfn_httpreq_keep_alive(p);
  mix(h, &k, sizeof k);
  for (i = 0; i < sfn_httpreq_field_count(p); i++) {
    if (!sfn_httpreq_get_field(p, i, &f)) __builtin_trap();
    mix(h, f.name, f.name_len);
    mix(h, f.value, f.value_len);
  }
  if (sfn_httpreq_get_field(p, i, &f)) __builtin_trap();
  s = sfn_httpreq_body(p, &n);
  mix(h, s, n);
}

/* Parses data in pieces (piece(i) gives the i-th piece's size); returns a
 * digest of every request and of the end state. */
static uint64_t run(const uint8_t *data, size_t size, const sfn_httpreq_limits *lim, int mode, int *status) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_httpreq *p = sfn_httpreq_new(lim, &err);
  uint64_t h = 14695981039346656037ULL;
  size_t pos = 0, piece_i = 0;
  int st = SFN_HTTPREQ_MORE, requests = 0;
  *status = 0;
  if (!p) {
    sfn_error_clear(&err);
    *status = 500;
    return 0;
  }
  while (pos < size || st == SFN_HTTPREQ_DONE) {
    if (st == SFN_HTTPREQ_DONE) {
      digest_request(p, &h);
      (void)sfn_httpreq_take_continue(p);
      if (++requests > 10000) break;
      st = sfn_httpreq_next(p, &err);
      continue;
    }
    if (st == SFN_HTTPREQ_ERROR) break;
    {
      size_t k = mode == 0 ? size - pos : mode == 1 ? 1 : (size_t)(data[piece_i++ % size] % 17) + 1;
      if (k > size - pos) k = size - pos;
      st = sfn_httpreq_feed(p, (const char *)data + pos, k, &err);
      pos += k;
      if (st == SFN_HTTPREQ_MORE) (void)sfn_httpreq_take_continue(p);
    }
  }
  if (st == SFN_HTTPREQ_ERROR) {
    int s = sfn_httpreq_status(p);
    *status = s;
    if (s != 400 && s != 413 && s != 431 && s != 500 && s != 501 && s != 505) __builtin_trap();
    if (err.code[0] == 0) __builtin_trap(); /* the message may be lost to a failing allocator */
    /* stays in error */
    if (sfn_httpreq_feed(p, "x", 1, NULL) != SFN_HTTPREQ_ERROR) __builtin_trap();
    if (sfn_httpreq_next(p, NULL) != SFN_HTTPREQ_ERROR) __builtin_trap();
    mix(&h, &s, sizeof s);
  } else {
    size_t pend = sfn_httpreq_pending(p);
    if (pend > size) __builtin_trap();
    mix(&h, &pend, sizeof pend);
  }
  sfn_error_clear(&err);
  sfn_httpreq_free(p);
  return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sfn_httpreq_limits lim;
  uint64_t a, b, c;
  int sa, sb, sc, sf;
  unsigned long used;
  if (size < 1) return 0;
  sfn_set_allocator(test_alloc, NULL);
  fail_at = 0;
  memset(&lim, 0, sizeof lim);
  if (data[0] & 1) {
    lim.max_header_bytes = (size_t)(data[0] >> 1) * 4 + 16;
    lim.max_headers = (size_t)(data[0] & 0x0e) + 1;
    lim.max_body = (size_t)(data[0] >> 2) * 8 + 1;
  }
  data++;
  size--;
  if (size == 0) return 0;
  alloc_count = 0;
  a = run(data, size, &lim, 0, &sa);
  used = alloc_count;
  b = run(data, size, &lim, 1, &sb);
  c = run(data, size, &lim, 2, &sc);
  if (a != b || a != c || sa != sb || sa != sc) __builtin_trap();
  if (used > 0) {
    fail_at = (unsigned long)(data[size / 2]) % used + 1;
    alloc_count = 0;
    (void)run(data, size, &lim, 0, &sf);
    fail_at = 0;
  }
  return 0;
}
