/*
 * fuzz_machine.c: libFuzzer target for definition compilation and
 * execution.  The input is "<definition JSON>\n<input JSON>" (no newline:
 * the whole input is the definition and the execution input is {}).  A
 * definition that compiles is executed to its end: tasks are answered
 * alternately with their own input and with a failure, timers are skipped
 * to, and a step bound stops endless loops.  Everything must be freed
 * (ASan/LSan) and nothing may crash, whatever the bytes.
 */
#include "sfn_exec.h"
#include "sfn_json.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *nl = memchr(text, '\n', size);
  size_t dlen = nl ? (size_t)(nl - text) : size;
  sfn_value *def, *input;
  sfn_machine *m;
  sfn_exec *e;
  sfn_exec_config cfg;
  int steps;
  def = sfn_json_decode(text, dlen, NULL);
  if (!def) return 0;
  m = sfn_machine_compile(def, NULL, NULL, NULL);
  sfn_decref(def);
  if (!m) return 0;
  input = nl ? sfn_json_decode(nl + 1, size - dlen - 1, NULL) : NULL;
  if (!input) input = sfn_object_new(0);
  memset(&cfg, 0, sizeof cfg);
  cfg.execution_name = "fuzz";
  cfg.state_machine_name = "fuzz";
  cfg.record_history = 1;
  cfg.seed = 1;
  e = input ? sfn_exec_new(m, input, &cfg, NULL) : NULL;
  sfn_decref(input);
  if (e) {
    int64_t now = 0;
    for (steps = 0; steps < 200 && sfn_exec_status_of(e) == SFN_EXEC_RUNNING; steps++) {
      sfn_task_request t;
      if (sfn_exec_run(e, now) != SFN_OK) break;
      if (sfn_exec_take_task(e, &t) == SFN_OK) {
        if (steps & 1)
          sfn_exec_task_failed(e, t.id, "Fuzz.Error", "fuzz cause", now);
        else
          sfn_exec_task_succeeded(e, t.id, t.input, now);
      } else {
        int64_t w = sfn_exec_wake_time(e);
        if (w < 0) break;
        now = w > now ? w : now + 1;
      }
    }
    {
      size_t i, n = sfn_exec_event_count(e);
      sfn_value *d = sfn_exec_describe(e);
      sfn_decref(d);
      for (i = 0; i < n; i++) sfn_decref(sfn_exec_event(e, i));
    }
    sfn_exec_free(e);
  }
  sfn_machine_free(m);
  return 0;
}
