/*
 * fuzz_json.c: libFuzzer target for the JSON codec.
 *
 * Every input is decoded.  When it decodes, the value is encoded, the text
 * decoded again and compared with the first value (sfn_value_equal), and
 * the second encoding must equal the first byte for byte.  Then the same
 * input is decoded again with an allocator that fails at one allocation
 * (chosen from the input) to exercise the out-of-memory paths, which must
 * report OutOfMemory (or succeed, when only an object's lookup index could
 * not be allocated) and free everything.  Leaks are caught by ASan/LSan.
 */
#include "sfn_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *v, *w;
  char *t1, *t2;
  size_t n1, n2, i;
  unsigned long used, h = 0;
  sfn_set_allocator(test_alloc, NULL);
  fail_at = 0;
  alloc_count = 0;
  v = sfn_json_decode((const char *)data, size, &err);
  used = alloc_count;
  if (!v) {
    if (strcmp(err.code, "JSONError") != 0 || !err.message || err.line < 1 || err.column < 1)
      __builtin_trap();
    sfn_error_clear(&err);
  } else {
    t1 = sfn_json_encode(v, &n1, &err);
    if (!t1) __builtin_trap(); /* a decoded value is always encodable */
    w = sfn_json_decode(t1, n1, &err);
    if (!w || !sfn_value_equal(v, w)) __builtin_trap();
    t2 = sfn_json_encode(w, &n2, &err);
    if (!t2 || n1 != n2 || memcmp(t1, t2, n1) != 0) __builtin_trap();
    sfn_free(t1);
    sfn_free(t2);
    sfn_decref(w);
    sfn_decref(v);
  }
  /* Out of memory at one allocation of the same decode. */
  if (used) {
    for (i = 0; i < size; i++) h = h * 31 + data[i];
    fail_at = 1 + h % used;
    alloc_count = 0;
    v = sfn_json_decode((const char *)data, size, &err);
    if (v) {
      sfn_decref(v); /* only an object index may fail without failing the decode */
    } else {
      if (strcmp(err.code, "OutOfMemory") != 0 && strcmp(err.code, "JSONError") != 0)
        __builtin_trap();
      sfn_error_clear(&err);
    }
    fail_at = 0;
  }
  return 0;
}
