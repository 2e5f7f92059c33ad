/*
 * fuzz_definition.c: libFuzzer target for the definition validator.
 *
 * Every input goes through sfn_validate_text (JSON decode, Jackson-style
 * JSON errors, validation) for STANDARD and EXPRESS, and the
 * CreateStateMachine message is built from the diagnostics; the decoded
 * definition is validated once more through sfn_validate.  Then the same is
 * repeated with an allocator that fails at one allocation (chosen from the
 * input) to exercise the out-of-memory paths.  Everything must be freed
 * (ASan/LSan catch leaks).
 */
#include "sfn_validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

static unsigned long run(const uint8_t *data, size_t size, int express) {
  sfn_validate_opts opts;
  sfn_diagnostics d = {NULL, 0, 0};
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_value *def = NULL;
  char *msg;
  alloc_count = 0;
  memset(&opts, 0, sizeof opts);
  opts.express = express;
  sfn_validate_text((const char *)data, size, &opts, &d, &def, &err);
  msg = sfn_validate_message(&d);
  sfn_free(msg);
  sfn_diagnostics_free(&d);
  sfn_error_clear(&err);
  if (def) {
    sfn_validate(def, &opts, &d, &err);
    sfn_diagnostics_free(&d);
    sfn_error_clear(&err);
    sfn_decref(def);
  }
  return alloc_count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  unsigned long used, h = 0;
  size_t i;
  sfn_set_allocator(test_alloc, NULL);
  fail_at = 0;
  used = run(data, size, 0);
  run(data, size, 1);
  for (i = 0; i < size; i++) h = h * 31 + data[i];
  if (used) {
    fail_at = 1 + h % used;
    run(data, size, 0);
    fail_at = 0;
  }
  return 0;
}
