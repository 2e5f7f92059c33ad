/*
 * fuzz_path.c: libFuzzer target for JSONPath.
 *
 * Every input is compiled as a Path and as a Reference Path.  Whatever
 * compiles is evaluated against a fixed document and context object,
 * explained (the "No results" text), and used as a ResultPath to place a
 * fixed value.  Then the same runs again with an allocator that fails at
 * one allocation (chosen from the input), which must end in an error or a
 * result and free everything.  Leaks are caught by ASan/LSan.
 */
#include "sfn_json.h"
#include "sfn_path.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_alloc.h"

static const char DOC[] =
    "{\"store\":{\"book\":[{\"cat\":\"ref\",\"price\":8.95,\"t\":\"A\"},{\"cat\":\"fic\",\"price\":12,"
    "\"isbn\":null,\"t\":\"B\"},{\"cat\":\"fic\",\"price\":22.99,\"tags\":[\"x\",\"y\"]}],"
    "\"bike\":{\"color\":\"red\",\"price\":19.95}},\"a\":{\"b\":{\"c\":[10,20,30]}},\"s\":\"str\","
    "\"n\":null,\"f\":false,\"e\":[],\"sp ace\":1,\"u\\u00fc\":2,\"nested\":[[1,[2,[3]]],{\"x\":{\"x\":1}}]}";
static const char CONTEXT[] = "{\"Execution\":{\"Id\":\"arn\",\"Input\":{\"k\":[1,2]}},\"State\":{\"Name\":\"S\"}}";
static const char VALUE[] = "{\"r\":[1,\"two\",null]}";

static void run(const char *text, size_t len, sfn_value *doc, sfn_value *ctx, sfn_value *val) {
  int kind;
  for (kind = 0; kind < 2; kind++) {
    sfn_error err = {{0}, NULL, 0, 0};
    sfn_eval_env env;
    sfn_value *out = NULL;
    sfn_buf b;
    sfn_path *p = sfn_path_compile(text, len, kind ? SFN_PATH_REFERENCE : SFN_PATH_ANY, &err);
    sfn_error_clear(&err);
    if (!p) continue;
    (void)sfn_path_text(p);
    (void)sfn_path_normalized(p);
    memset(&env, 0, sizeof env);
    env.input = doc;
    env.context = ctx;
    if (sfn_path_eval(p, &env, &out, &err) == SFN_OK) sfn_decref(out);
    sfn_error_clear(&err);
    env.context = NULL;
    out = NULL;
    if (sfn_path_eval(p, &env, &out, &err) == SFN_OK) sfn_decref(out);
    sfn_error_clear(&err);
    sfn_buf_init(&b);
    sfn_path_explain_miss(p, doc, &b);
    sfn_buf_free(&b);
    out = NULL;
    if (sfn_path_set(p, doc, val, &out, &err) == SFN_OK) sfn_decref(out);
    sfn_error_clear(&err);
    sfn_path_free(p);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static sfn_value *doc, *ctx, *val;
  if (!doc) {
    sfn_error err = {{0}, NULL, 0, 0};
    doc = sfn_json_decode(DOC, sizeof DOC - 1, &err);
    ctx = sfn_json_decode(CONTEXT, sizeof CONTEXT - 1, &err);
    val = sfn_json_decode(VALUE, sizeof VALUE - 1, &err);
    if (!doc || !ctx || !val) abort();
  }
  if (size > 4096) return 0;
  run((const char *)data, size, doc, ctx, val);
  /* Again, failing one allocation. */
  alloc_count = 0;
  fail_at = size ? 1 + (unsigned long)(data[0] * 7 + size) % 64 : 1;
  sfn_set_allocator(test_alloc, NULL);
  run((const char *)data, size, doc, ctx, val);
  sfn_set_allocator(NULL, NULL);
  fail_at = 0;
  return 0;
}
