/*
 * fuzz_jsonata.c: libFuzzer target for JSONata expressions.
 *
 * Every input is compiled as an expression.  When it compiles, it is
 * evaluated against a fixed document with a binding lookup ($x, $states)
 * and small limits (whatever the outcome, the result or error is released).
 * Then compile + evaluate run again with an allocator that fails at one
 * allocation (chosen from the input), which must end in an error or a result
 * and free everything.  Leaks are caught by ASan/LSan.
 */
#include "sfn_json.h"
#include "sfn_jsonata.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

static const char INPUT[] =
    "{\"a\":1,\"b\":-2.5,\"s\":\"x,y;z\",\"t\":\"Hello World\",\"e\":\"\",\"n\":null,\"f\":false,"
    "\"arr\":[1,2,2,\"q\",[3,[4]],{\"k\":1},null],\"o\":{\"k\":[1,{\"m\":\"v\"}],\"p\":true},"
    "\"Account\":{\"Order\":[{\"Product\":[{\"Name\":\"Hat\",\"Price\":34.45,\"Quantity\":2},"
    "{\"Name\":\"Bag\",\"Price\":21.5,\"Quantity\":1}]},{\"Product\":[{\"Name\":\"Hat\",\"Price\":34.45,"
    "\"Quantity\":3}]}]},\"big\":9223372036854775807,"
    "\"many\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,{\"k\":[16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]}]}";
static const char BINDINGS[] = "{\"x\":[1,2,3],\"states\":{\"input\":{\"v\":\"w\"},\"context\":{\"Execution\":{}}}}";

static sfn_value *bindings;

static sfn_value *lookup(void *ud, const char *name, size_t len) {
  (void)ud;
  return sfn_object_get(bindings, name, len);
}

/* One evaluation: the result as JSON text, or "!<code>" for an error, or
 * "" for undefined (owned; NULL on OOM). */
static char *eval_once(const sfn_jsonata *e, sfn_value *input, sfn_jsonata_cache *cache) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_jsonata_env env;
  sfn_value *out = NULL;
  char *text = NULL;
  int rc;
  memset(&env, 0, sizeof env);
  env.input = input;
  env.lookup = lookup;
  env.rng_state = 1;
  env.now_ms = 1700000000000;
  env.max_depth = 200;
  env.max_steps = 200000;
  env.cache = cache;
  rc = sfn_jsonata_eval(e, &env, &out, &err);
  if (rc == SFN_OK) {
    text = sfn_json_encode(out, NULL, NULL);
    sfn_decref(out);
  } else if (rc == SFN_NOTFOUND) {
    text = sfn_strndup("", 0);
  } else {
    text = sfn_malloc(strlen(err.code) + 2);
    if (text) {
      text[0] = '!';
      memcpy(text + 1, err.code, strlen(err.code) + 1);
    }
  }
  sfn_error_clear(&err);
  return text;
}

/* Compile and evaluate three times: with a shared-conversion cache (which
 * converts the large input), with it again (which reuses that conversion),
 * and without one.  Without allocation failures the three must agree: a
 * cached conversion that an evaluation changed would show here. */
static void run(const uint8_t *data, size_t size, sfn_value *input) {
  sfn_error err = {{0}, NULL, 0, 0};
  sfn_jsonata_cache *cache;
  char *r[3];
  int i;
  sfn_jsonata *e = sfn_jsonata_compile((const char *)data, size, &err);
  sfn_error_clear(&err);
  if (!e) return;
  cache = sfn_jsonata_cache_new();
  r[0] = eval_once(e, input, cache);
  r[1] = eval_once(e, input, cache);
  r[2] = eval_once(e, input, NULL);
  if (fail_at == 0 && cache && r[0] && r[1] && r[2] &&
      (strcmp(r[0], r[1]) != 0 || strcmp(r[0], r[2]) != 0) &&
      strcmp(r[2], "!U1002") != 0 && strcmp(r[2], "!U1001") != 0)
    abort(); /* the cache changed a result */
  for (i = 0; i < 3; i++) sfn_free(r[i]);
  sfn_jsonata_cache_free(cache);
  sfn_jsonata_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sfn_value *input;
  unsigned long used, h = 0;
  size_t i;
  sfn_set_allocator(test_alloc, NULL);
  fail_at = 0;
  if (size > 4096) return 0;
  input = sfn_json_decode(INPUT, sizeof INPUT - 1, NULL);
  bindings = sfn_json_decode(BINDINGS, sizeof BINDINGS - 1, NULL);
  if (!input || !bindings) abort();
  alloc_count = 0;
  run(data, size, input);
  used = alloc_count;
  if (used > 0) {
    for (i = 0; i < size; i++) h = h * 31 + data[i];
    alloc_count = 0;
    fail_at = 1 + h % used;
    run(data, size, input);
    fail_at = 0;
  }
  sfn_decref(input);
  sfn_decref(bindings);
  return 0;
}
