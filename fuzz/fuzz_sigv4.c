/*
 * fuzz_sigv4.c: libFuzzer target for SigV4 signing.
 *
 * Input layout: byte 0 = flags (SFN_SIGV4_* bits), byte 1 = time selector,
 * then lines: the method, the URL, header lines "name:value" up to an empty
 * line, and the body (the rest).  A URL that does not split is signed as a
 * bare path.  Each input is signed with the cache and without it: both must
 * succeed or fail alike and, when they succeed, agree byte for byte and give
 * a 64-digit hex signature.  Then the same signing runs with an allocator
 * that fails at one allocation (chosen from the input): it must report
 * OutOfMemory (or succeed) and free everything.  The date helpers run on
 * the input bytes too.  Leaks are caught by ASan/LSan.
 */
#include "sfn_sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 64

static int same(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static int sign_once(sfn_sigv4_cache *c, const sfn_sigv4_request *req, const sfn_sigv4_params *p,
                     sfn_sigv4_result *r) {
  sfn_error err = {{0}, NULL, 0, 0};
  int rc = sfn_sigv4_sign(c, req, p, r, &err);
  if (rc != SFN_OK && !err.code[0]) __builtin_trap();
  sfn_error_clear(&err);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int64_t times[4] = {0, 1440938160, 1700000000, INT64_C(253402300799)};
  sfn_sigv4_header hv[MAX_HEADERS];
  sfn_sigv4_request req;
  sfn_sigv4_params p;
  sfn_sigv4_url u;
  sfn_sigv4_result r1, r2;
  sfn_sigv4_cache *cache;
  const char *s = (const char *)data, *line[2];
  size_t n, pos = 2, len[2], i;
  int k, rc1, rc2;
  unsigned long used, h = 0;
  int64_t t;
  char buf[17];

  if (size < 2) return 0;
  sfn_set_allocator(test_alloc, NULL);
  fail_at = 0;
  alloc_count = 0;
  memset(&req, 0, sizeof req);
  memset(&p, 0, sizeof p);
  n = size;
  for (k = 0; k < 2; k++) {
    size_t e = pos;
    while (e < n && s[e] != '\n') e++;
    line[k] = s + pos;
    len[k] = e - pos;
    pos = e < n ? e + 1 : n;
  }
  req.method = line[0];
  req.method_len = len[0];
  if (sfn_sigv4_split_url(line[1], len[1], &u, NULL) == SFN_OK) {
    req.path = u.path;
    req.path_len = u.path_len;
    req.query = u.query;
    req.query_len = u.query_len;
  } else {
    req.path = line[1];
    req.path_len = len[1];
  }
  while (pos < n && req.nheaders < MAX_HEADERS) {
    size_t e = pos, colon;
    while (e < n && s[e] != '\n') e++;
    if (e == pos) {
      pos++;
      break;
    }
    colon = pos;
    while (colon < e && s[colon] != ':') colon++;
    hv[req.nheaders].name = s + pos;
    hv[req.nheaders].name_len = colon - pos;
    hv[req.nheaders].value = colon < e ? s + colon + 1 : s + e;
    hv[req.nheaders].value_len = colon < e ? e - colon - 1 : 0;
    req.nheaders++;
    pos = e < n ? e + 1 : n;
  }
  req.headers = hv;
  req.body = s + pos;
  req.body_len = n - pos;

  p.access_key_id = "AKIDEXAMPLE";
  p.secret_access_key = (data[1] & 4) ? "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" :
                        "a-secret-that-is-longer-than-one-sha-256-block-of-64-bytes-so-it-is-hashed-first";
  p.session_token = (data[1] & 8) ? "TOKEN/+=" : NULL;
  p.region = (data[1] & 16) ? "us-east-1" : "";
  p.service = "states";
  p.time = times[data[1] & 3];
  p.expires = (data[1] & 32) ? 900 : 0;
  p.flags = data[0];
  if (data[1] & 64) p.payload_hash = "UNSIGNED-PAYLOAD";
  if (data[1] & 128) {
    static const char *const only[] = {"host", "x-amz-date", "content-type"};
    p.only_headers = only;
    p.nonly_headers = 3;
  }

  cache = sfn_sigv4_cache_new();
  if (!cache) __builtin_trap();
  rc1 = sign_once(cache, &req, &p, &r1);
  rc2 = sign_once(NULL, &req, &p, &r2);
  if (rc1 != rc2) __builtin_trap();
  if (rc1 == SFN_OK) {
    if (strlen(r1.signature) != 64 || strspn(r1.signature, "0123456789abcdef") != 64) __builtin_trap();
    if (!same(r1.canonical_request, r2.canonical_request) || !same(r1.string_to_sign, r2.string_to_sign) ||
        strcmp(r1.signature, r2.signature) != 0 || !same(r1.authorization, r2.authorization) ||
        !same(r1.query, r2.query) || !r1.signed_headers || !r1.credential_scope)
      __builtin_trap();
    if ((p.flags & SFN_SIGV4_PRESIGN) ? (!r1.query || r1.authorization) : (!r1.authorization || r1.query))
      __builtin_trap();
  }
  sfn_sigv4_result_free(&r1);
  sfn_sigv4_result_free(&r2);
  /* the cache again: now a hit */
  rc2 = sign_once(cache, &req, &p, &r2);
  if (rc2 != rc1) __builtin_trap();
  sfn_sigv4_result_free(&r2);
  used = alloc_count;
  sfn_sigv4_cache_free(cache);

  /* Out of memory at one allocation of a cached signing. */
  for (i = 0; i < size; i++) h = h * 31 + data[i];
  if (used) {
    sfn_error err = {{0}, NULL, 0, 0};
    alloc_count = 0;
    fail_at = 1 + h % (used + 2);
    cache = sfn_sigv4_cache_new();
    if (cache) {
      if (sfn_sigv4_sign(cache, &req, &p, &r1, &err) != SFN_OK) {
        if (strcmp(err.code, "OutOfMemory") != 0 && strcmp(err.code, "InvalidParameter") != 0 &&
            strcmp(err.code, "SigningError") != 0)
          __builtin_trap();
        sfn_error_clear(&err);
      }
      sfn_sigv4_result_free(&r1);
      sfn_sigv4_cache_free(cache);
    }
    fail_at = 0;
  }

  /* date helpers: parse the input; a parsed date formats back to itself */
  if (sfn_sigv4_parse_date(s, size < 16 ? size : 16, &t) == SFN_OK) {
    if (sfn_sigv4_format_date(t, buf) == SFN_OK && memcmp(buf, s, 16) != 0) {
      /* only a leap second or out-of-range year may differ */
      if (!(s[13] == '6' && s[14] == '0')) __builtin_trap();
    }
  }
  return 0;
}
