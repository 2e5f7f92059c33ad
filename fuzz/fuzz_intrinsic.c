/*
 * fuzz_intrinsic.c: libFuzzer target for intrinsic functions.
 *
 * Every input is compiled as a call.  When it compiles, it is evaluated
 * against a fixed input and context object (whatever the outcome, the
 * result or error is released).  Then compile + evaluate run again with an
 * allocator that fails at one allocation (chosen from the input), which
 * must end in an error or a result and free everything.  Leaks are caught
 * by ASan/LSan.
 */
#include "sfn_intrinsic.h"
#include "sfn_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

static const char INPUT[] =
    "{\"a\":1,\"b\":-2.5,\"s\":\"x,y;z\",\"t\":\"Hello {} {}\",\"e\":\"\",\"n\":null,\"f\":false,"
    "\"arr\":[1,2,2,\"q\",[3],{\"k\":1},null],\"o\":{\"k\":[1,{\"m\":\"v\"}],\"p\":true},"
    "\"j\":\"{\\\"x\\\":[1,2]}\",\"b64\":\"SGVsbG8=\",\"big\":9223372036854775807}";
static const char CONTEXT[] = "{\"StateMachine\":{\"Name\":\"sm-1\"},\"Execution\":{\"Name\":\"e\",\"Input\":{\"a\":1}}}";

static void run(const uint8_t *data, size_t size, sfn_value *input, sfn_value *context) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_eval_env env;
  sfn_value *out = NULL;
  sfn_intrinsic *f = sfn_intrinsic_compile((const char *)data, size, &err);
  sfn_error_clear(&err);
  if (!f) return;
  env.input = input;
  env.context = context;
  env.random = NULL;
  env.random_ud = NULL;
  env.rng_state = 1;
  if (sfn_intrinsic_eval(f, &env, &out, &err) == SFN_OK) {
    char *text = sfn_json_encode(out, NULL, &err);
    sfn_free(text);
    sfn_decref(out);
  }
  sfn_error_clear(&err);
  sfn_intrinsic_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sfn_value *input, *context;
  unsigned long used, h = 0;
  size_t i;
  sfn_set_allocator(test_alloc, NULL);
  fail_at = 0;
  input = sfn_json_decode(INPUT, sizeof INPUT - 1, NULL);
  context = sfn_json_decode(CONTEXT, sizeof CONTEXT - 1, NULL);
  if (!input || !context) abort();
  alloc_count = 0;
  run(data, size, input, context);
  used = alloc_count;
  if (used > 0) {
    for (i = 0; i < size; i++) h = h * 31 + data[i];
    alloc_count = 0;
    fail_at = 1 + h % used;
    run(data, size, input, context);
    fail_at = 0;
  }
  sfn_decref(input);
  sfn_decref(context);
  return 0;
}
