/*
 * sfn_machine_refs.c: the workflow variables each state of a definition
 * reads (DescribeStateMachine's variableReferences), found statically in the
 * definition: `$name` in JSONPath fields (`x.$` template values, *Path
 * fields, Choice Variable, intrinsic arguments) and in JSONata `{% %}`
 * expressions (not `$states`, not function calls, not names the expression
 * binds itself with `:=`).
 */
#include "sfn_machine.h"

#include <stdlib.h>
#include <string.h>

static int is_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_ident(char c) { return is_start(c) || (c >= '0' && c <= '9'); }

/* Add name[0..len) to the array `names` unless present.  SFN_ERR on OOM. */
static int add_name(sfn_value *names, const char *name, size_t len) {
  size_t i;
  for (i = 0; i < sfn_array_len(names); i++) {
    const sfn_value *v = sfn_array_at(names, i);
    if (sfn_strlen(v) == len && memcmp(sfn_str(v), name, len) == 0) return SFN_OK;
  }
  return sfn_array_push(names, sfn_string(name, len));
}

/* `$name` tokens of a JSONPath or intrinsic call, outside quoted literals. */
static int scan_path(sfn_value *names, const char *s, size_t n) {
  size_t i = 0;
  char quote = 0;
  for (; i < n; i++) {
    if (quote) {
      if (s[i] == '\\')
        i++;
      else if (s[i] == quote)
        quote = 0;
    } else if (s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '$' && i + 1 < n && is_start(s[i + 1]) && (i == 0 || s[i - 1] != '$')) {
      size_t e = i + 1;
      while (e < n && is_ident(s[e])) e++;
      if (add_name(names, s + i + 1, e - i - 1) != SFN_OK) return SFN_ERR;
      i = e - 1;
    }
  }
  return SFN_OK;
}

/* Was `$name :=` (name[0..len)) bound in the expression s[0..n)? */
static int bound_in(const char *s, size_t n, const char *name, size_t len) {
  size_t i;
  for (i = 0; i + len + 1 < n; i++) {
    size_t e;
    if (s[i] != '$' || memcmp(s + i + 1, name, len) != 0 || (i + 1 + len < n && is_ident(s[i + 1 + len]))) continue;
    e = i + 1 + len;
    while (e < n && (s[e] == ' ' || s[e] == '\t' || s[e] == '\n' || s[e] == '\r')) e++;
    if (e + 1 < n && s[e] == ':' && s[e + 1] == '=') return 1;
  }
  return 0;
}

/* `$name` tokens of the JSONata expressions in s (the `{% %}` parts). */
static int scan_jsonata(sfn_value *names, const char *s, size_t n) {
  size_t i = 0;
  char quote = 0;
  for (; i < n; i++) {
    if (quote) {
      if (s[i] == '\\')
        i++;
      else if (s[i] == quote)
        quote = 0;
    } else if (s[i] == '\'' || s[i] == '"') {
      quote = s[i];
    } else if (s[i] == '$' && i + 1 < n && is_start(s[i + 1])) {
      size_t e = i + 1, k;
      while (e < n && is_ident(s[e])) e++;
      k = e;
      while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) k++;
      if (!(e - i - 1 == 6 && memcmp(s + i + 1, "states", 6) == 0) && !(k < n && s[k] == '(') &&
          !bound_in(s, n, s + i + 1, e - i - 1) && add_name(names, s + i + 1, e - i - 1) != SFN_OK)
        return SFN_ERR;
      i = e - 1;
    }
  }
  return SFN_OK;
}

static int is_jsonata(const sfn_value *v) {
  size_t n = sfn_strlen(v);
  const char *s = sfn_str(v);
  return n >= 4 && s[0] == '{' && s[1] == '%' && s[n - 2] == '%' && s[n - 1] == '}';
}

/* Does a JSONPath-mode field named key hold a path or intrinsic call? */
static int path_key(const char *key, size_t len) {
  if (len >= 2 && key[len - 2] == '.' && key[len - 1] == '$') return 1;
  if (len == 8 && memcmp(key, "Variable", 8) == 0) return 1;
  if (len == 10 && memcmp(key, "ResultPath", 10) == 0) return 0;
  return len >= 4 && memcmp(key + len - 4, "Path", 4) == 0;
}

/* Scan the value of one field (key may be NULL inside arrays). */
static int scan_value(sfn_value *names, const char *key, size_t klen, const sfn_value *v) {
  size_t i;
  switch (sfn_type_of(v)) {
    case SFN_STRING:
      if (is_jsonata(v)) return scan_jsonata(names, sfn_str(v) + 2, sfn_strlen(v) - 4);
      if (key && path_key(key, klen)) return scan_path(names, sfn_str(v), sfn_strlen(v));
      return SFN_OK;
    case SFN_ARRAY:
      for (i = 0; i < sfn_array_len(v); i++)
        if (scan_value(names, NULL, 0, sfn_array_at(v, i)) != SFN_OK) return SFN_ERR;
      return SFN_OK;
    case SFN_OBJECT:
      for (i = 0; i < sfn_object_len(v); i++) {
        const sfn_value *k = sfn_object_key(v, i);
        if (scan_value(names, sfn_str(k), sfn_strlen(k), sfn_object_val(v, i)) != SFN_OK) return SFN_ERR;
      }
      return SFN_OK;
    default: return SFN_OK;
  }
}

static int cmp_names(const void *a, const void *b) {
  const sfn_value *x = *(sfn_value *const *)a, *y = *(sfn_value *const *)b;
  size_t n = sfn_strlen(x) < sfn_strlen(y) ? sfn_strlen(x) : sfn_strlen(y);
  int c = memcmp(sfn_str(x), sfn_str(y), n);
  if (c) return c;
  return sfn_strlen(x) < sfn_strlen(y) ? -1 : sfn_strlen(x) > sfn_strlen(y);
}

static int scan_machine(sfn_value *out, const sfn_value *def);

static int scan_state(sfn_value *out, const sfn_value *name, const sfn_value *st) {
  sfn_value *names = sfn_array_new(4);
  size_t i;
  if (!names) return SFN_ERR;
  for (i = 0; i < sfn_object_len(st); i++) {
    const sfn_value *k = sfn_object_key(st, i), *v = sfn_object_val(st, i);
    const char *ks = sfn_str(k);
    if (!strcmp(ks, "Branches") && sfn_type_of(v) == SFN_ARRAY) {
      size_t j;
      for (j = 0; j < sfn_array_len(v); j++)
        if (scan_machine(out, sfn_array_at(v, j)) != SFN_OK) goto oom;
      continue;
    }
    if (!strcmp(ks, "ItemProcessor") || !strcmp(ks, "Iterator")) {
      if (scan_machine(out, v) != SFN_OK) goto oom;
      continue;
    }
    if (scan_value(names, ks, sfn_strlen(k), v) != SFN_OK) goto oom;
  }
  if (!sfn_array_len(names)) {
    sfn_decref(names);
    return SFN_OK;
  }
  qsort(names->u.a.items, sfn_array_len(names), sizeof(sfn_value *), cmp_names);
  return sfn_object_set(out, sfn_str(name), sfn_strlen(name), names);
oom:
  sfn_decref(names);
  return SFN_ERR;
}

static int scan_machine(sfn_value *out, const sfn_value *def) {
  const sfn_value *states;
  size_t i;
  if (sfn_type_of(def) != SFN_OBJECT) return SFN_OK;
  states = sfn_object_gets(def, "States");
  if (!states || sfn_type_of(states) != SFN_OBJECT) return SFN_OK;
  for (i = 0; i < sfn_object_len(states); i++) {
    const sfn_value *st = sfn_object_val(states, i);
    if (sfn_type_of(st) == SFN_OBJECT && scan_state(out, sfn_object_key(states, i), st) != SFN_OK)
      return SFN_ERR;
  }
  return SFN_OK;
}

sfn_value *sfn_variable_references(const sfn_value *def) {
  sfn_value *out = sfn_object_new(4);
  if (!out) return NULL;
  if (scan_machine(out, def) != SFN_OK) {
    sfn_decref(out);
    return NULL;
  }
  return out;
}

sfn_value *sfn_machine_variable_references(const sfn_machine *m) { return sfn_variable_references(m->def); }
