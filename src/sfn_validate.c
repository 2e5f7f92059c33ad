/*
 * sfn_validate.c: the definition validator's driver: diagnostics and their
 * messages, the walk over containers (definition, Parallel branches, Map
 * processors), the transition graph checks, Map Label rules and the
 * CreateStateMachine message.  State fields are checked in
 * sfn_validate_states.c, Choice rules in sfn_validate_choice.c, JSON text
 * errors in sfn_validate_json.c.
 */
#include <stdio.h>
#include <string.h>

#include "sfn_json.h"
#include "sfn_validate_int.h"

/* ---- diagnostics ---- */

void sfn_diagnostics_free(sfn_diagnostics *d) {
  size_t i;
  if (!d) return;
  for (i = 0; i < d->n; i++) {
    sfn_free(d->items[i].code);
    sfn_free(d->items[i].message);
    sfn_free(d->items[i].location);
    sfn_free(d->items[i].create_message);
  }
  sfn_free(d->items);
  d->items = NULL;
  d->n = d->cap = 0;
}

size_t sfn_diagnostics_errors(const sfn_diagnostics *d) {
  size_t i, n = 0;
  for (i = 0; d && i < d->n; i++)
    if (d->items[i].severity == SFN_DIAG_ERROR) n++;
  return n;
}

/* Append a diagnostic taking ownership of message and create_message. */
static int diag_add(sfn_diagnostics *d, int severity, const char *code, char *message,
                    const char *location, char *create_message) {
  sfn_diagnostic *x;
  char *c = NULL, *l = NULL;
  if (!message) goto oom;
  c = sfn_strndup(code, strlen(code));
  l = location ? sfn_strndup(location, strlen(location)) : NULL;
  if (!c || (location && !l)) goto oom;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 8;
    sfn_diagnostic *items = sfn_realloc(d->items, cap * sizeof *items);
    if (!items) goto oom;
    d->items = items;
    d->cap = cap;
  }
  x = &d->items[d->n++];
  memset(x, 0, sizeof *x);
  x->severity = severity;
  x->message = message;
  x->create_message = create_message;
  x->code = c;
  x->location = l;
  return SFN_OK;
oom:
  sfn_free(c);
  sfn_free(l);
  sfn_free(message);
  sfn_free(create_message);
  return SFN_ERR;
}

static char *vformat(const char *fmt, va_list ap) {
  sfn_buf b;
  va_list cp;
  int n;
  char small[256];
  va_copy(cp, ap);
  n = vsnprintf(small, sizeof small, fmt, cp);
  va_end(cp);
  if (n < 0) return NULL;
  sfn_buf_init(&b);
  if ((size_t)n < sizeof small) {
    sfn_buf_add(&b, small, (size_t)n);
  } else if (sfn_buf_reserve(&b, (size_t)n + 1) == SFN_OK) {
    vsnprintf(b.data, (size_t)n + 1, fmt, ap);
    b.len = (size_t)n;
  }
  if (b.oom) {
    sfn_buf_free(&b);
    return NULL;
  }
  return sfn_buf_take(&b, NULL);
}

/* ---- context: location and names ---- */

size_t vx_pushn(sfn_vctx *v, const char *seg, size_t len) {
  size_t mark = v->loc.len;
  sfn_buf_add(&v->loc, seg, len);
  if (v->loc.oom) v->oom = 1;
  return mark;
}

size_t vx_push(sfn_vctx *v, const char *seg) { return vx_pushn(v, seg, strlen(seg)); }

size_t vx_push_index(sfn_vctx *v, size_t i) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "[%lu]", (unsigned long)i);
  return vx_pushn(v, tmp, (size_t)n);
}

void vx_pop(sfn_vctx *v, size_t mark) {
  if (mark <= v->loc.len) v->loc.len = mark;
}

/* The current location + "/field" as a new string. */
static char *location_of(sfn_vctx *v, const char *field) {
  sfn_buf b;
  sfn_buf_init(&b);
  sfn_buf_add(&b, v->loc.data ? v->loc.data : "", v->loc.len);
  if (field) {
    sfn_buf_addc(&b, '/');
    sfn_buf_adds(&b, field);
  }
  if (b.len == 0) sfn_buf_addc(&b, '/');
  if (b.oom) {
    sfn_buf_free(&b);
    return NULL;
  }
  return sfn_buf_take(&b, NULL);
}

void vx_diag_at(sfn_vctx *v, const char *code, const char *location, const char *message,
                char *create_message) {
  char *m = sfn_strndup(message, strlen(message));
  if (diag_add(v->d, SFN_DIAG_ERROR, code, m, location, create_message) != SFN_OK) v->oom = 1;
}

static void vx_vdiag(sfn_vctx *v, int severity, const char *code, const char *field,
                     const char *fmt, va_list ap) {
  char *msg = vformat(fmt, ap);
  char *loc = location_of(v, field);
  if (!loc || diag_add(v->d, severity, code, msg, loc, NULL) != SFN_OK) {
    if (!loc) sfn_free(msg);
    v->oom = 1;
  }
  sfn_free(loc);
}

void vx_diag(sfn_vctx *v, int severity, const char *code, const char *field, const char *fmt,
             ...) {
  va_list ap;
  va_start(ap, fmt);
  vx_vdiag(v, severity, code, field, fmt, ap);
  va_end(ap);
}

void vx_schema(sfn_vctx *v, const char *field, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vx_vdiag(v, SFN_DIAG_ERROR, VX_CODE_SCHEMA, field, fmt, ap);
  va_end(ap);
}

int vx_name_seen(sfn_vctx *v, const char *s, size_t len) {
  uint32_t h, mask, i;
  if (v->nnames + 1 > v->index_cap / 2) {
    size_t cap = v->index_cap ? v->index_cap * 2 : 64, k;
    uint32_t *idx = sfn_malloc(cap * sizeof *idx);
    if (!idx) {
      v->oom = 1;
      return 0;
    }
    memset(idx, 0, cap * sizeof *idx);
    for (k = 0; k < v->nnames; k++) {
      uint32_t m = (uint32_t)cap - 1, j = sfn_hash(v->names[k].s, v->names[k].len) & m;
      while (idx[j]) j = (j + 1) & m;
      idx[j] = (uint32_t)k + 1;
    }
    sfn_free(v->name_index);
    v->name_index = idx;
    v->index_cap = cap;
  }
  mask = (uint32_t)v->index_cap - 1;
  h = sfn_hash(s, len);
  for (i = h & mask; v->name_index[i]; i = (i + 1) & mask) {
    vx_name *n = &v->names[v->name_index[i] - 1];
    if (n->len == len && memcmp(n->s, s, len) == 0) return 1;
  }
  if (v->nnames == v->names_cap) {
    size_t cap = v->names_cap ? v->names_cap * 2 : 32;
    vx_name *names = sfn_realloc(v->names, cap * sizeof *names);
    if (!names) {
      v->oom = 1;
      return 0;
    }
    v->names = names;
    v->names_cap = cap;
  }
  v->names[v->nnames].s = s;
  v->names[v->nnames].len = len;
  v->name_index[i] = (uint32_t)++v->nnames;
  return 0;
}

/* ---- value helpers ---- */

static int is_integral(const sfn_value *val) {
  if (val->type == SFN_INT) return 1;
  if (val->type == SFN_DOUBLE) {
    double d = val->u.d;
    return d == d && d >= -9.2e18 && d <= 9.2e18 && (double)(int64_t)d == d;
  }
  return 0;
}

int vx_is_type(const sfn_value *val, int types) {
  switch (sfn_type_of(val)) {
  case SFN_NULL: return (types & VX_T_NULL) != 0;
  case SFN_BOOL: return (types & VX_T_BOOLEAN) != 0;
  case SFN_INT:
  case SFN_DOUBLE:
    if (types & VX_T_NUMBER) return 1;
    return (types & VX_T_INTEGER) && is_integral(val);
  case SFN_STRING: return (types & VX_T_STRING) != 0;
  case SFN_ARRAY: return (types & VX_T_ARRAY) != 0;
  case SFN_OBJECT: return (types & VX_T_OBJECT) != 0;
  }
  return 0;
}

const char *vx_type_names(int types, char *buf, size_t cap) {
  static const struct {
    int t;
    const char *name;
  } names[] = {{VX_T_STRING, "STRING"},   {VX_T_INTEGER, "INTEGER"}, {VX_T_NUMBER, "NUMBER"},
               {VX_T_BOOLEAN, "BOOLEAN"}, {VX_T_OBJECT, "OBJECT"},   {VX_T_ARRAY, "ARRAY"},
               {VX_T_NULL, "NULL"}};
  size_t i, len = 0;
  buf[0] = 0;
  for (i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (!(types & names[i].t)) continue;
    len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", names[i].name);
    if (len >= cap) break;
  }
  return buf;
}

int vx_want(sfn_vctx *v, const sfn_value *val, int types, const char *field) {
  char names[96];
  if (vx_is_type(val, types)) return 1;
  vx_schema(v, field, "Expected value of type [%s]", vx_type_names(types, names, sizeof names));
  return 0;
}

int vx_str_eq(const sfn_value *val, const char *s) {
  return val && val->type == SFN_STRING && strlen(s) == sfn_strlen(val) &&
         memcmp(sfn_str(val), s, sfn_strlen(val)) == 0;
}

int vx_is_jsonata_expr(const sfn_value *val) {
  size_t n;
  const char *s;
  if (!val || val->type != SFN_STRING) return 0;
  s = sfn_str(val);
  n = sfn_strlen(val);
  return n >= 4 && s[0] == '{' && s[1] == '%' && s[n - 2] == '%' && s[n - 1] == '}';
}

/* Number of Unicode code points in UTF-8 text. */
static size_t utf8_chars(const char *s, size_t len) {
  size_t i, n = 0;
  for (i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
  return n;
}

/* ---- containers ---- */

/* QueryLanguage of an object: the language it selects (AWS: exactly
 * "JSONPath" is JSONPath, absent inherits, anything else is JSONata). */
int vx_query_language(const sfn_value *obj, int inherited) {
  const sfn_value *ql = sfn_object_gets(obj, "QueryLanguage");
  if (!ql) return inherited;
  return vx_str_eq(ql, "JSONPath") ? VX_JSONPATH : VX_JSONATA;
}

/* Report a QueryLanguage value outside the enum (at .../QueryLanguage). */
void vx_check_query_language(sfn_vctx *v, const sfn_value *ql) {
  if (!vx_want(v, ql, VX_T_STRING, "QueryLanguage")) return;
  if (!vx_str_eq(ql, "JSONPath") && !vx_str_eq(ql, "JSONata"))
    vx_schema(v, "QueryLanguage", "Value should be one of the following: [JSONPath, JSONata]");
}

void vx_container(sfn_vctx *v, const sfn_value *obj, int kind, int lang) {
  const sfn_value *states = sfn_object_gets(obj, "States");
  const sfn_value *start = sfn_object_gets(obj, "StartAt");
  size_t i;
  (void)lang;
  /* required fields, as AWS lists them */
  if (!states || !start) {
    if (!states && !start)
      vx_schema(v, NULL, "These fields are required: [States, StartAt]");
    else if (!states)
      vx_schema(v, NULL, "These fields are required: [States]");
    else
      vx_schema(v, NULL, "These fields are required: [StartAt]");
  }
  /* unknown fields */
  for (i = 0; i < sfn_object_len(obj); i++) {
    const char *k = sfn_str(sfn_object_key(obj, i));
    const sfn_value *val = sfn_object_val(obj, i);
    if (!strcmp(k, "StartAt")) {
      vx_want(v, val, VX_T_STRING, k);
    } else if (!strcmp(k, "States")) {
      vx_want(v, val, VX_T_OBJECT, k);
    } else if (!strcmp(k, "Comment")) {
      vx_want(v, val, VX_T_STRING, k);
    } else if (kind == VX_TOP && !strcmp(k, "Version")) {
      vx_want(v, val, VX_T_STRING, k);
    } else if (kind == VX_TOP && !strcmp(k, "QueryLanguage")) {
      vx_check_query_language(v, val);
    } else if (kind == VX_TOP && !strcmp(k, "TimeoutSeconds")) {
      if (vx_want(v, val, VX_T_INTEGER, k)) {
        double d = sfn_number(val);
        if (d < 1)
          vx_schema(v, k, "Minimum value is 1");
        else if (d > 99999999)
          vx_schema(v, k, "Maximum value is 99999999");
      }
    } else if ((kind == VX_PROCESSOR || kind == VX_ITERATOR) && !strcmp(k, "ProcessorConfig")) {
      /* checked by the Map state */
    } else {
      vx_schema(v, NULL, "Field '%s' is not supported", k);
    }
  }
  if (!states || states->type != SFN_OBJECT) return;
  {
    size_t m = vx_push(v, "/States");
    for (i = 0; i < sfn_object_len(states); i++) {
      const sfn_value *key = sfn_object_key(states, i);
      const sfn_value *st = sfn_object_val(states, i);
      size_t mark = vx_push(v, "/");
      vx_pushn(v, sfn_str(key), sfn_strlen(key));
      if (utf8_chars(sfn_str(key), sfn_strlen(key)) > 80)
        vx_diag(v, SFN_DIAG_ERROR, "INVALID_STATE_NAME", NULL,
                "State name must not be longer than 80 characters");
      if (vx_name_seen(v, sfn_str(key), sfn_strlen(key)))
        vx_diag(v, SFN_DIAG_ERROR, "DUPLICATE_STATE_NAME", NULL, "Duplicate State name: %s",
                sfn_str(key));
      if (vx_want(v, st, VX_T_OBJECT, NULL)) vx_state(v, st, v->machine_lang);
      vx_pop(v, mark);
    }
    vx_pop(v, m);
  }
}

/* ---- transition graph ---- */

static long state_index(const sfn_value *states, const sfn_value *name) {
  if (!name || name->type != SFN_STRING) return -1;
  return sfn_object_find(states, sfn_str(name), sfn_strlen(name));
}

static int is_terminal(const sfn_value *st) {
  const sfn_value *t = sfn_object_gets(st, "Type");
  const sfn_value *end = sfn_object_gets(st, "End");
  if (vx_str_eq(t, "Succeed") || vx_str_eq(t, "Fail")) return 1;
  return end && end->type == SFN_BOOL && end->u.b;
}

/* Calls fn for every transition of a state, in the order of its fields. */
typedef void (*target_fn)(sfn_vctx *v, const sfn_value *target, void *ud);

static void each_target(sfn_vctx *v, const sfn_value *st, target_fn fn, void *ud) {
  size_t i, j;
  for (i = 0; i < sfn_object_len(st); i++) {
    const char *k = sfn_str(sfn_object_key(st, i));
    const sfn_value *val = sfn_object_val(st, i);
    if (!strcmp(k, "Next") || !strcmp(k, "Default")) {
      size_t m = vx_push(v, "/");
      vx_push(v, k);
      fn(v, val, ud);
      vx_pop(v, m);
    } else if ((!strcmp(k, "Choices") || !strcmp(k, "Catch")) && val->type == SFN_ARRAY) {
      for (j = 0; j < sfn_array_len(val); j++) {
        const sfn_value *rule = sfn_array_at(val, j);
        const sfn_value *next;
        size_t m;
        if (rule->type != SFN_OBJECT || !(next = sfn_object_gets(rule, "Next"))) continue;
        m = vx_push(v, "/");
        vx_push(v, k);
        vx_push_index(v, j);
        vx_push(v, "/Next");
        fn(v, next, ud);
        vx_pop(v, m);
      }
    }
  }
}

typedef struct graph_walk {
  const sfn_value *states;
  unsigned char *seen;
  size_t *queue;
  size_t qn;
} graph_walk;

static void report_missing(sfn_vctx *v, const sfn_value *target, void *ud) {
  graph_walk *g = ud;
  if (target->type == SFN_STRING && state_index(g->states, target) < 0) {
    char *loc = location_of(v, NULL);
    char *msg;
    sfn_buf b;
    sfn_buf_init(&b);
    sfn_buf_adds(&b, "Missing 'Next' target: ");
    sfn_buf_add(&b, sfn_str(target), sfn_strlen(target));
    msg = b.oom ? NULL : sfn_buf_take(&b, NULL);
    if (b.oom) sfn_buf_free(&b);
    if (!loc || diag_add(v->d, SFN_DIAG_ERROR, VX_CODE_TARGET, msg, loc, NULL) != SFN_OK) {
      if (!loc) sfn_free(msg);
      v->oom = 1;
    }
    sfn_free(loc);
  }
}

static void visit_target(sfn_vctx *v, const sfn_value *target, void *ud) {
  graph_walk *g = ud;
  long k = state_index(g->states, target);
  (void)v;
  if (k >= 0 && !g->seen[k]) {
    g->seen[k] = 1;
    g->queue[g->qn++] = (size_t)k;
  }
}

void vx_graph(sfn_vctx *v, const sfn_value *container, int top) {
  const sfn_value *states = sfn_object_gets(container, "States");
  const sfn_value *start = sfn_object_gets(container, "StartAt");
  size_t n, i, j, head = 0, m;
  graph_walk g;
  if (!states || states->type != SFN_OBJECT || v->oom) return;
  n = sfn_object_len(states);
  g.states = states;
  g.qn = 0;
  g.seen = sfn_malloc(n + 1);
  g.queue = sfn_malloc((n + 1) * sizeof *g.queue);
  if (!g.seen || !g.queue) {
    v->oom = 1;
    goto done;
  }
  memset(g.seen, 0, n + 1);
  /* targets naming no state */
  if (start && start->type == SFN_STRING) {
    m = vx_push(v, "/StartAt");
    report_missing(v, start, &g);
    vx_pop(v, m);
  }
  m = vx_push(v, "/States/");
  for (i = 0; i < n; i++) {
    const sfn_value *key = sfn_object_key(states, i);
    size_t mk = vx_pushn(v, sfn_str(key), sfn_strlen(key));
    each_target(v, sfn_object_val(states, i), report_missing, &g);
    vx_pop(v, mk);
  }
  vx_pop(v, m);
  /* reachability from StartAt */
  visit_target(v, start ? start : sfn_null(), &g);
  while (head < g.qn) each_target(v, sfn_object_val(states, g.queue[head++]), visit_target, &g);
  if (top) {
    int terminal = 0;
    for (i = 0; i < n && !terminal; i++) terminal = is_terminal(sfn_object_val(states, i));
    if (!terminal) {
      vx_diag_at(v, "MISSING_END_STATE", NULL, "Workflow has no terminal state", NULL);
      goto nested;
    }
  }
  for (i = 0; i < n; i++) {
    const sfn_value *key = sfn_object_key(states, i);
    if (g.seen[i]) continue;
    m = vx_push(v, "/States/");
    vx_pushn(v, sfn_str(key), sfn_strlen(key));
    vx_diag(v, SFN_DIAG_ERROR, VX_CODE_TARGET, NULL, "State \"%s\" is not reachable.",
            sfn_str(key));
    vx_pop(v, m);
  }
nested:
  /* nested containers */
  for (i = 0; i < n; i++) {
    const sfn_value *key = sfn_object_key(states, i);
    const sfn_value *st = sfn_object_val(states, i);
    const sfn_value *t = sfn_object_gets(st, "Type");
    m = vx_push(v, "/States/");
    vx_pushn(v, sfn_str(key), sfn_strlen(key));
    if (vx_str_eq(t, "Parallel")) {
      const sfn_value *br = sfn_object_gets(st, "Branches");
      for (j = 0; br && br->type == SFN_ARRAY && j < sfn_array_len(br); j++) {
        size_t mb = vx_push(v, "/Branches");
        vx_push_index(v, j);
        if (sfn_array_at(br, j)->type == SFN_OBJECT) vx_graph(v, sfn_array_at(br, j), 0);
        vx_pop(v, mb);
      }
    } else if (vx_str_eq(t, "Map")) {
      const char *f = sfn_object_gets(st, "ItemProcessor") ? "ItemProcessor" : "Iterator";
      const sfn_value *proc = sfn_object_gets(st, f);
      if (proc && proc->type == SFN_OBJECT) {
        size_t mp = vx_push(v, "/");
        vx_push(v, f);
        vx_graph(v, proc, 0);
        vx_pop(v, mp);
      }
    }
    vx_pop(v, m);
  }
done:
  sfn_free(g.seen);
  sfn_free(g.queue);
}

/* ---- Map Label ---- */

/* Decode one UTF-8 code point at s[*i] (lenient: a bad byte is itself). */
static uint32_t utf8_next(const char *s, size_t len, size_t *i) {
  const unsigned char *u = (const unsigned char *)s;
  uint32_t c = u[*i];
  size_t need = 0, k;
  if (c >= 0xF0 && c < 0xF8) {
    need = 3;
    c &= 0x07;
  } else if (c >= 0xE0) {
    need = 2;
    c &= 0x0F;
  } else if (c >= 0xC0) {
    need = 1;
    c &= 0x1F;
  }
  if (*i + need >= len + (need ? 0 : 1) && need) need = 0;
  for (k = 1; k <= need; k++) {
    if ((u[*i + k] & 0xC0) != 0x80) {
      need = 0;
      c = u[*i];
      break;
    }
    c = (c << 6) | (u[*i + k] & 0x3F);
  }
  *i += need + 1;
  return c;
}

static void add_utf8(sfn_buf *b, uint32_t c) {
  if (c < 0x80) {
    sfn_buf_addc(b, (char)c);
  } else if (c < 0x800) {
    sfn_buf_addc(b, (char)(0xC0 | (c >> 6)));
    sfn_buf_addc(b, (char)(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    sfn_buf_addc(b, (char)(0xE0 | (c >> 12)));
    sfn_buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
    sfn_buf_addc(b, (char)(0x80 | (c & 0x3F)));
  } else {
    sfn_buf_addc(b, (char)(0xF0 | (c >> 18)));
    sfn_buf_addc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
    sfn_buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
    sfn_buf_addc(b, (char)(0x80 | (c & 0x3F)));
  }
}

/* Append Python's repr() of the UTF-8 string s (the AWS Label messages come
 * from a Python validator and quote its ValueError arguments that way). */
static void py_repr(sfn_buf *b, const char *s, size_t len) {
  int sq = memchr(s, '\'', len) != NULL, dq = memchr(s, '"', len) != NULL;
  char q = (sq && !dq) ? '"' : '\'';
  size_t i = 0;
  sfn_buf_addc(b, q);
  while (i < len) {
    uint32_t c = utf8_next(s, len, &i);
    if (c == (uint32_t)q || c == '\\') {
      sfn_buf_addc(b, '\\');
      sfn_buf_addc(b, (char)c);
    } else if (c == '\n') {
      sfn_buf_adds(b, "\\n");
    } else if (c == '\r') {
      sfn_buf_adds(b, "\\r");
    } else if (c == '\t') {
      sfn_buf_adds(b, "\\t");
    } else if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) {
      sfn_buf_printf(b, "\\x%02x", (unsigned)c);
    } else {
      add_utf8(b, c);
    }
  }
  sfn_buf_addc(b, q);
}

/* Characters a Map Label may not contain (AWS: whitespace, brackets,
 * wildcards, some punctuation and control characters). */
static int label_char_invalid(uint32_t c) {
  if (c <= 0x20 || (c >= 0x7F && c <= 0x9F)) return 1;
  return c < 0x80 && strchr("<>{}[]?*\"#%\\^|~`$&,;:/", (int)c) != NULL;
}

static void label_error(sfn_vctx *v, const sfn_value *def, const char *msg) {
  sfn_buf b;
  char *text = NULL, *m;
  const char *t = v->opts ? v->opts->text : NULL;
  size_t tlen = v->opts ? v->opts->text_len : 0;
  if (!t) {
    text = sfn_json_encode(def, &tlen, NULL);
    if (!text) {
      v->oom = 1;
      return;
    }
    t = text;
  }
  sfn_buf_init(&b);
  sfn_buf_adds(&b, "Error=ValueError Args=[");
  py_repr(&b, msg, strlen(msg));
  sfn_buf_adds(&b, "] in definition '");
  sfn_buf_add(&b, t, tlen);
  sfn_buf_adds(&b, "'.");
  sfn_free(text);
  if (b.oom) {
    sfn_buf_free(&b);
    v->oom = 1;
    return;
  }
  m = location_of(v, "Label");
  if (!m) {
    sfn_buf_free(&b);
    v->oom = 1;
    return;
  }
  vx_diag_at(v, "INVALID_LABEL_NAME", m, msg, sfn_buf_take(&b, NULL));
  sfn_free(m);
}

static void check_label(sfn_vctx *v, const sfn_value *def, const sfn_value *label) {
  const char *s = sfn_str(label);
  size_t len = sfn_strlen(label), i = 0;
  if (len == 0) {
    label_error(v, def, "Label cannot be empty");
    return;
  }
  while (i < len) {
    size_t at = i;
    uint32_t c = utf8_next(s, len, &i);
    if (label_char_invalid(c)) {
      sfn_buf b;
      sfn_buf_init(&b);
      sfn_buf_adds(&b, "Label contains invalid character: ");
      py_repr(&b, s + at, i - at);
      if (b.oom) {
        v->oom = 1;
      } else {
        char *msg = sfn_buf_take(&b, NULL);
        label_error(v, def, msg);
        sfn_free(msg);
      }
      return;
    }
  }
  if (utf8_chars(s, len) > 40) label_error(v, def, "Label cannot exceed 40 characters");
}

static void labels_in(sfn_vctx *v, const sfn_value *def, const sfn_value *container) {
  const sfn_value *states = sfn_object_gets(container, "States");
  size_t i, j;
  if (!states || states->type != SFN_OBJECT) return;
  for (i = 0; i < sfn_object_len(states) && !v->oom; i++) {
    const sfn_value *key = sfn_object_key(states, i);
    const sfn_value *st = sfn_object_val(states, i);
    const sfn_value *t = sfn_object_gets(st, "Type");
    size_t m = vx_push(v, "/States/");
    vx_pushn(v, sfn_str(key), sfn_strlen(key));
    if (vx_str_eq(t, "Map")) {
      const sfn_value *label = sfn_object_gets(st, "Label");
      const char *f = sfn_object_gets(st, "ItemProcessor") ? "ItemProcessor" : "Iterator";
      const sfn_value *proc = sfn_object_gets(st, f);
      if (label && label->type == SFN_STRING) check_label(v, def, label);
      if (proc && proc->type == SFN_OBJECT) {
        size_t mp = vx_push(v, "/");
        vx_push(v, f);
        labels_in(v, def, proc);
        vx_pop(v, mp);
      }
    } else if (vx_str_eq(t, "Parallel")) {
      const sfn_value *br = sfn_object_gets(st, "Branches");
      for (j = 0; br && br->type == SFN_ARRAY && j < sfn_array_len(br); j++) {
        size_t mb = vx_push(v, "/Branches");
        vx_push_index(v, j);
        if (sfn_array_at(br, j)->type == SFN_OBJECT) labels_in(v, def, sfn_array_at(br, j));
        vx_pop(v, mb);
      }
    }
    vx_pop(v, m);
  }
}

void vx_labels(sfn_vctx *v, const sfn_value *container) { labels_in(v, container, container); }

/* ---- entry points ---- */

int sfn_validate(const sfn_value *def, const sfn_validate_opts *opts, sfn_diagnostics *diags,
                 sfn_error *err) {
  sfn_vctx v;
  int rc;
  memset(&v, 0, sizeof v);
  v.d = diags;
  v.opts = opts;
  sfn_buf_init(&v.loc);
  if (!def || def->type != SFN_OBJECT) {
    vx_diag_at(&v, VX_CODE_SCHEMA, NULL, "Definition must be a valid JSON object", NULL);
  } else {
    v.machine_lang = vx_query_language(def, VX_JSONPATH);
    vx_container(&v, def, VX_TOP, v.machine_lang);
    if (!v.oom && sfn_diagnostics_errors(diags) == 0) vx_graph(&v, def, 1);
    if (!v.oom && sfn_diagnostics_errors(diags) == 0) vx_labels(&v, def);
  }
  sfn_buf_free(&v.loc);
  sfn_free(v.names);
  sfn_free(v.name_index);
  if (v.oom) {
    sfn_error_set(err, "OutOfMemory", "out of memory");
    return SFN_ERR;
  }
  rc = sfn_diagnostics_errors(diags) ? SFN_ERR : SFN_OK;
  if (rc != SFN_OK) sfn_error_set(err, "InvalidDefinition", "invalid state machine definition");
  return rc;
}

int sfn_validate_text(const char *text, size_t len, const sfn_validate_opts *opts,
                      sfn_diagnostics *diags, sfn_value **def_out, sfn_error *err) {
  sfn_validate_opts o;
  sfn_value *def;
  sfn_error jerr;
  size_t i;
  int rc;
  memset(&o, 0, sizeof o);
  if (opts) o = *opts;
  if (!o.text) {
    o.text = text;
    o.text_len = len;
  }
  if (def_out) *def_out = NULL;
  for (i = 0; i < len; i++)
    if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r') break;
  if (i == len) {
    if (diag_add(diags, SFN_DIAG_ERROR, VX_CODE_SCHEMA,
                 sfn_strndup("Definition must be a valid JSON object", 38), NULL,
                 NULL) != SFN_OK)
      return sfn_error_oom(err);
    return sfn_error_set(err, "InvalidDefinition", "invalid state machine definition");
  }
  memset(&jerr, 0, sizeof jerr);
  def = sfn_json_decode(text, len, &jerr);
  if (!def) {
    int oom = strcmp(jerr.code, "OutOfMemory") == 0;
    rc = oom ? SFN_ERR : sfn_validate_json_error(text, len, diags);
    if (rc == SFN_NOTFOUND) {
      /* our decoder is stricter than Jackson here; report its reason */
      const char *why = jerr.message ? jerr.message : "invalid JSON";
      char *m = sfn_strndup(why, strlen(why));
      rc = diag_add(diags, SFN_DIAG_ERROR, "INVALID_JSON_DESCRIPTION", m, NULL, NULL);
    }
    sfn_error_clear(&jerr);
    if (rc != SFN_OK) return sfn_error_oom(err);
    return sfn_error_set(err, "InvalidDefinition", "invalid state machine definition");
  }
  rc = sfn_validate(def, &o, diags, err);
  if (def_out)
    *def_out = def;
  else
    sfn_decref(def);
  return rc;
}

char *sfn_validate_message(const sfn_diagnostics *d) {
  sfn_buf b;
  size_t i, nerr = 0, ncreate = 0;
  const sfn_diagnostic *first_create = NULL;
  for (i = 0; i < d->n; i++) {
    if (d->items[i].severity != SFN_DIAG_ERROR) continue;
    nerr++;
    if (d->items[i].create_message) {
      ncreate++;
      if (!first_create) first_create = &d->items[i];
    }
  }
  if (nerr == 0) return NULL;
  if (ncreate == nerr)
    return sfn_strndup(first_create->create_message, strlen(first_create->create_message));
  sfn_buf_init(&b);
  sfn_buf_adds(&b, "Invalid State Machine Definition: '");
  nerr = 0;
  for (i = 0; i < d->n; i++) {
    const sfn_diagnostic *x = &d->items[i];
    if (x->severity != SFN_DIAG_ERROR || x->create_message) continue;
    if (nerr++) sfn_buf_adds(&b, ", ");
    sfn_buf_adds(&b, x->code);
    sfn_buf_adds(&b, ": ");
    sfn_buf_adds(&b, x->message);
    sfn_buf_adds(&b, " at ");
    sfn_buf_adds(&b, x->location ? x->location : "null");
  }
  sfn_buf_addc(&b, '\'');
  if (b.oom) {
    sfn_buf_free(&b);
    return NULL;
  }
  return sfn_buf_take(&b, NULL);
}
