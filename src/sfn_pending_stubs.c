/*
 * sfn_pending_stubs.c: TEMPORARY weak fallbacks for core functions still
 * being written, so the module loads meanwhile.  Each real definition
 * overrides its stub; this file is deleted once all have landed.
 */
#include "sfn_intrinsic.h"
#include "sfn_path.h"
#include "sfn_template.h"
#include "sfn_validate.h"

#define WEAK __attribute__((weak))

static int pending(sfn_error *err, const char *what) {
  return sfn_error_set(err, "NotImplemented", "%s is not implemented yet", what);
}

WEAK void sfn_diagnostics_free(sfn_diagnostics *d) { (void)d; }
WEAK uint64_t sfn_eval_random(sfn_eval_env *env) { return env->rng_state += 0x9E3779B97F4A7C15ULL; }
WEAK sfn_intrinsic *sfn_intrinsic_compile(const char *t, size_t l, sfn_error *err) {
  (void)t; (void)l; pending(err, "intrinsic functions"); return NULL;
}
WEAK int sfn_intrinsic_eval(const sfn_intrinsic *f, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  (void)f; (void)env; (void)out; return pending(err, "intrinsic functions");
}
WEAK void sfn_intrinsic_free(sfn_intrinsic *f) { (void)f; }
WEAK int sfn_intrinsic_is_call(const char *t, size_t l) { return l >= 7 && t[0] == 'S'; }
WEAK sfn_path *sfn_path_compile(const char *t, size_t l, sfn_path_kind k, sfn_error *err) {
  (void)t; (void)l; (void)k; pending(err, "paths"); return NULL;
}
WEAK int sfn_path_eval(const sfn_path *p, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  (void)p; (void)env; (void)out; return pending(err, "paths");
}
WEAK void sfn_path_free(sfn_path *p) { (void)p; }
WEAK int sfn_path_is_root(const sfn_path *p) { (void)p; return 0; }
WEAK const char *sfn_path_text(const sfn_path *p) { (void)p; return ""; }
WEAK int sfn_path_set(const sfn_path *p, sfn_value *d, sfn_value *v, sfn_value **o, sfn_error *err) {
  (void)p; (void)d; (void)v; (void)o; return pending(err, "paths");
}
WEAK sfn_template *sfn_template_compile(sfn_value *t, sfn_error *err) { (void)t; pending(err, "templates"); return NULL; }
WEAK int sfn_template_eval(const sfn_template *t, sfn_eval_env *env, sfn_value **out, sfn_error *err) {
  (void)t; (void)env; (void)out; return pending(err, "templates");
}
WEAK void sfn_template_free(sfn_template *t) { (void)t; }
WEAK int sfn_validate(const sfn_value *def, const sfn_validate_opts *o, sfn_diagnostics *d, sfn_error *err) {
  (void)def; (void)o; (void)d; (void)err; return SFN_OK;
}
WEAK char *sfn_validate_message(const sfn_diagnostics *d) { (void)d; return NULL; }
