/*
 * json_bench.c: parse and serialise throughput of sfn's JSON codec next to
 * jansson's, on one generated document (~1 MB by default) mixing objects,
 * arrays, strings (ASCII, escapes, non-ASCII) and numbers (ints, doubles).
 *
 * Usage: json_bench [SIZE_BYTES [RUNS]]   (defaults 1000000 and 7)
 * Each run repeats the operation for at least ~0.2 s; the best run counts.
 * Throughput is the document size (the generated compact text) divided by
 * the time of one operation, in MB/s (10^6 bytes per second).
 */
#include "sfn_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- document generator (deterministic) ---- */

static unsigned long long seed = 88172645463325252ull;
static unsigned rnd(unsigned n) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return (unsigned)(seed % n);
}

static const char *words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
                              "hotel", "india", "juliet", "kilo", "lima", "mike", "november",
                              "oscar", "papa", "quebec", "romeo", "sierra", "tango"};

static void gen_string(sfn_buf *b) {
  unsigned n = 1 + rnd(6), i;
  sfn_buf_addc(b, '"');
  for (i = 0; i < n; i++) {
    if (i) sfn_buf_addc(b, ' ');
    sfn_buf_adds(b, words[rnd(20)]);
  }
  switch (rnd(10)) {
    case 0: sfn_buf_adds(b, " \\\"quoted\\\" \\n line"); break;
    case 1: sfn_buf_adds(b, " caf\xc3\xa9 \xe2\x98\x83"); break;
    case 2: sfn_buf_adds(b, " \\u00e9\\u2603"); break;
    case 3: sfn_buf_adds(b, " arn:aws:states:us-east-1:123456789012:stateMachine:orders"); break;
    default: break;
  }
  sfn_buf_addc(b, '"');
}

static void gen_number(sfn_buf *b) {
  switch (rnd(4)) {
    case 0: sfn_buf_printf(b, "%u", rnd(100)); break;
    case 1: sfn_buf_printf(b, "%u%05u", rnd(100000), rnd(100000)); break;
    case 2: sfn_buf_printf(b, "%u.%02u", rnd(10000), rnd(100)); break;
    default: sfn_buf_printf(b, "-%u.%03ue%d", rnd(10), rnd(1000), (int)rnd(20) - 10); break;
  }
}

static void gen_value(sfn_buf *b, int depth);

static void gen_object(sfn_buf *b, int depth) {
  unsigned n = 2 + rnd(8), i;
  sfn_buf_addc(b, '{');
  for (i = 0; i < n; i++) {
    if (i) sfn_buf_addc(b, ',');
    sfn_buf_printf(b, "\"%s%u\":", words[rnd(20)], i);
    gen_value(b, depth + 1);
  }
  sfn_buf_addc(b, '}');
}

static void gen_array(sfn_buf *b, int depth) {
  unsigned n = rnd(8), i;
  sfn_buf_addc(b, '[');
  for (i = 0; i < n; i++) {
    if (i) sfn_buf_addc(b, ',');
    gen_value(b, depth + 1);
  }
  sfn_buf_addc(b, ']');
}

static void gen_value(sfn_buf *b, int depth) {
  unsigned r = rnd(depth >= 4 ? 6 : 9);
  switch (r) {
    case 0: case 1: gen_string(b); break;
    case 2: case 3: gen_number(b); break;
    case 4: sfn_buf_adds(b, rnd(2) ? "true" : "false"); break;
    case 5: sfn_buf_adds(b, "null"); break;
    case 6: case 7: gen_object(b, depth); break;
    default: gen_array(b, depth); break;
  }
}

/* A top-level array of records until the text reaches `size` bytes. */
static char *generate(size_t size, size_t *len) {
  sfn_buf b;
  int first = 1;
  sfn_buf_init(&b);
  sfn_buf_addc(&b, '[');
  while (b.len < size) {
    if (!first) sfn_buf_addc(&b, ',');
    first = 0;
    gen_object(&b, 1);
  }
  sfn_buf_addc(&b, ']');
  return sfn_buf_take(&b, len);
}

/* ---- timing ---- */

typedef struct ctx {
  const char *text;
  size_t len;
  sfn_value *sv;
  json_t *jv;
  size_t out_len;
} ctx;

static void sfn_parse(ctx *c) {
  sfn_value *v = sfn_json_decode(c->text, c->len, NULL);
  if (!v) {
    fprintf(stderr, "sfn: decode failed\n");
    exit(1);
  }
  sfn_decref(v);
}

static void sfn_serialise(ctx *c) {
  sfn_buf b;
  sfn_buf_init(&b);
  if (sfn_json_encode_buf(c->sv, &b, NULL) != SFN_OK) {
    fprintf(stderr, "sfn: encode failed\n");
    exit(1);
  }
  c->out_len = b.len;
  sfn_buf_free(&b);
}

static void jansson_parse(ctx *c) {
  json_error_t e;
  json_t *v = json_loadb(c->text, c->len, 0, &e);
  if (!v) {
    fprintf(stderr, "jansson: %s\n", e.text);
    exit(1);
  }
  json_decref(v);
}

static void jansson_serialise(ctx *c) {
  char *s = json_dumps(c->jv, JSON_COMPACT | JSON_ENCODE_ANY);
  if (!s) {
    fprintf(stderr, "jansson: dump failed\n");
    exit(1);
  }
  c->out_len = strlen(s);
  free(s);
}

/* Best (smallest) seconds per operation over `runs` runs. */
static double best_of(void (*fn)(ctx *), ctx *c, int runs) {
  double best = 1e30;
  int r;
  fn(c); /* warm up */
  for (r = 0; r < runs; r++) {
    int n = 0;
    double t0 = now(), t;
    do {
      fn(c);
      n++;
      t = now() - t0;
    } while (t < 0.2);
    if (t / n < best) best = t / n;
  }
  return best;
}

int main(int argc, char **argv) {
  size_t size = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1000000;
  int runs = argc > 2 ? atoi(argv[2]) : 7;
  ctx c;
  json_error_t je;
  double mb, t;
  c.text = generate(size, &c.len);
  c.sv = sfn_json_decode(c.text, c.len, NULL);
  c.jv = json_loadb(c.text, c.len, 0, &je);
  if (!c.text || !c.sv || !c.jv) {
    fprintf(stderr, "json_bench: could not build the document\n");
    return 1;
  }
  mb = (double)c.len / 1e6;
  printf("document: %zu bytes (objects, arrays, strings, ints, doubles); best of %d runs\n", c.len,
         runs);
  printf("%-10s %14s %14s\n", "", "parse MB/s", "serialise MB/s");
  t = best_of(sfn_parse, &c, runs);
  printf("%-10s %14.1f", "sfn", mb / t);
  t = best_of(sfn_serialise, &c, runs);
  printf(" %14.1f\n", mb / t);
  t = best_of(jansson_parse, &c, runs);
  printf("%-10s %14.1f", "jansson", mb / t);
  t = best_of(jansson_serialise, &c, runs);
  printf(" %14.1f\n", mb / t);
  sfn_decref(c.sv);
  json_decref(c.jv);
  sfn_free((void *)c.text);
  return 0;
}
