/*
 * sfn_sigv4.c: AWS Signature Version 4 signing (see sfn_sigv4.h).
 *
 * The canonical request is
 *   METHOD \n URI \n QUERY \n (name:value \n)* \n SIGNED-HEADERS \n PAYLOAD-HASH
 * the string to sign
 *   AWS4-HMAC-SHA256 \n AMZ-DATE \n SCOPE \n hex(sha256(canonical request))
 * and the signature hex(HMAC(key, string to sign)) where the key is
 * HMAC chained over "AWS4"+secret, date, region, service, "aws4_request".
 *
 * HMAC is written out over EVP digests (RFC 2104), so one digest context
 * (kept in the cache) serves every hash and the key derivation.
 */
#include "sfn_sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>


#define KEY_SLOTS 8
#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define MAX_EXPIRES 604800

/* ---- digests ---- */

typedef struct hasher {
  const EVP_MD *md;
  EVP_MD_CTX *ctx;
} hasher;

typedef struct key_slot {
  int used;
  char date[9];
  char *secret, *region, *service;
  unsigned char key[32];
} key_slot;

struct sfn_sigv4_cache {
  hasher h;
  EVP_MD *fetched; /* OpenSSL 3: an explicitly fetched SHA-256 (no lookup per use) */
  key_slot slot[KEY_SLOTS];
  unsigned next;
};

static int hasher_init(hasher *h, EVP_MD **fetched) {
  *fetched = NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  *fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
  h->md = *fetched ? *fetched : EVP_sha256();
#else
  h->md = EVP_sha256();
#endif
  h->ctx = EVP_MD_CTX_new();
  return h->ctx ? SFN_OK : SFN_ERR;
}

static void hasher_done(hasher *h, EVP_MD *fetched) {
  EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  EVP_MD_free(fetched);
#else
  (void)fetched;
#endif
}

/* sha256 of two concatenated pieces (b may be NULL). */
static int sha256_2(hasher *h, const void *a, size_t an, const void *b, size_t bn,
                    unsigned char out[32]) {
  unsigned int n = 0;
  if (EVP_DigestInit_ex(h->ctx, h->md, NULL) != 1) return SFN_ERR;
  if (an && EVP_DigestUpdate(h->ctx, a, an) != 1) return SFN_ERR;
  if (bn && EVP_DigestUpdate(h->ctx, b, bn) != 1) return SFN_ERR;
  if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != 32) return SFN_ERR;
  return SFN_OK;
}

/* HMAC-SHA256 (RFC 2104, block size 64). */
static int hmac(hasher *h, const void *key, size_t klen, const void *msg, size_t mlen,
                unsigned char out[32]) {
  unsigned char k0[64], pad[64], inner[32];
  size_t i;
  int rc = SFN_ERR;
  memset(k0, 0, sizeof k0);
  if (klen > 64) {
    if (sha256_2(h, key, klen, NULL, 0, k0) != SFN_OK) goto cleanup;
  } else if (klen) {
    memcpy(k0, key, klen);
  }
  for (i = 0; i < 64; i++) pad[i] = (unsigned char)(k0[i] ^ 0x36);
  if (sha256_2(h, pad, 64, msg, mlen, inner) != SFN_OK) goto cleanup;
  for (i = 0; i < 64; i++) pad[i] = (unsigned char)(k0[i] ^ 0x5c);
  if (sha256_2(h, pad, 64, inner, 32, out) != SFN_OK) goto cleanup;
  rc = SFN_OK;
cleanup:
  OPENSSL_cleanse(k0, sizeof k0);
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(inner, sizeof inner);
  return rc;
}

static void hex32(const unsigned char d[32], char out[65]) {
  static const char digits[] = "0123456789abcdef";
  int i;
  for (i = 0; i < 32; i++) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  out[64] = '\0';
}

/* The signing key: HMAC chain over "AWS4"+secret, date, region, service,
 * "aws4_request". */
static int derive_key(hasher *h, const char *secret, const char *date, const char *region,
                      const char *service, unsigned char key[32]) {
  size_t slen = strlen(secret);
  unsigned char k[32];
  char *seed = sfn_malloc(slen + 4);
  int rc = SFN_ERR;
  if (!seed) return SFN_ERR;
  memcpy(seed, "AWS4", 4);
  memcpy(seed + 4, secret, slen);
  if (hmac(h, seed, slen + 4, date, strlen(date), k) == SFN_OK &&
      hmac(h, k, 32, region, strlen(region), k) == SFN_OK &&
      hmac(h, k, 32, service, strlen(service), k) == SFN_OK &&
      hmac(h, k, 32, "aws4_request", 12, key) == SFN_OK)
    rc = SFN_OK;
  OPENSSL_cleanse(seed, slen + 4);
  OPENSSL_cleanse(k, sizeof k);
  sfn_free(seed);
  return rc;
}

static void slot_clear(key_slot *s) {
  if (s->secret) OPENSSL_cleanse(s->secret, strlen(s->secret));
  sfn_free(s->secret);
  sfn_free(s->region);
  sfn_free(s->service);
  OPENSSL_cleanse(s->key, sizeof s->key);
  memset(s, 0, sizeof *s);
}

sfn_sigv4_cache *sfn_sigv4_cache_new(void) {
  sfn_sigv4_cache *c = sfn_malloc(sizeof *c);
  if (!c) return NULL;
  memset(c, 0, sizeof *c);
  if (hasher_init(&c->h, &c->fetched) != SFN_OK) {
    hasher_done(&c->h, c->fetched);
    sfn_free(c);
    return NULL;
  }
  return c;
}

void sfn_sigv4_cache_free(sfn_sigv4_cache *c) {
  int i;
  if (!c) return;
  for (i = 0; i < KEY_SLOTS; i++) slot_clear(&c->slot[i]);
  hasher_done(&c->h, c->fetched);
  sfn_free(c);
}

/* The signing key for p at date, from the cache when it holds it. */
static int signing_key(sfn_sigv4_cache *c, hasher *h, const sfn_sigv4_params *p, const char *date,
                       unsigned char key[32]) {
  key_slot *s;
  int i;
  if (!c) return derive_key(h, p->secret_access_key, date, p->region, p->service, key);
  for (i = 0; i < KEY_SLOTS; i++) {
    s = &c->slot[i];
    if (s->used && memcmp(s->date, date, 9) == 0 && strcmp(s->region, p->region) == 0 &&
        strcmp(s->service, p->service) == 0 &&
        sfn_sigv4_equal(s->secret, strlen(s->secret), p->secret_access_key,
                        strlen(p->secret_access_key))) {
      memcpy(key, s->key, 32);
      return SFN_OK;
    }
  }
  if (derive_key(h, p->secret_access_key, date, p->region, p->service, key) != SFN_OK)
    return SFN_ERR;
  s = &c->slot[c->next];
  c->next = (c->next + 1) % KEY_SLOTS;
  slot_clear(s);
  s->secret = sfn_strndup(p->secret_access_key, strlen(p->secret_access_key));
  s->region = sfn_strndup(p->region, strlen(p->region));
  s->service = sfn_strndup(p->service, strlen(p->service));
  if (!s->secret || !s->region || !s->service) {
    slot_clear(s); /* not cached; the key is still good */
    return SFN_OK;
  }
  memcpy(s->date, date, 9);
  memcpy(s->key, key, 32);
  s->used = 1;
  return SFN_OK;
}

/* ---- encoding ---- */

static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void add_escaped(sfn_buf *b, unsigned char c) {
  static const char digits[] = "0123456789ABCDEF";
  char e[3];
  e[0] = '%';
  e[1] = digits[c >> 4];
  e[2] = digits[c & 15];
  sfn_buf_add(b, e, 3);
}

/* Append s percent-encoded: unreserved bytes stay, every other byte
 * becomes %XX; '/' stays when keep_slash; "%XX" stays when keep_escapes. */
static void add_encoded(sfn_buf *b, const char *s, size_t n, int keep_slash, int keep_escapes) {
  size_t i, run = 0;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (unreserved(c) || (keep_slash && c == '/') ||
        (keep_escapes && c == '%' && i + 2 < n &&
         hexval((unsigned char)s[i + 1]) >= 0 && hexval((unsigned char)s[i + 2]) >= 0)) {
      run++;
      continue;
    }
    if (run) sfn_buf_add(b, s + i - run, run);
    run = 0;
    add_escaped(b, c);
  }
  if (run) sfn_buf_add(b, s + n - run, run);
}

/* Append s (a query component as sent) decoded once ("%XX" -> byte; a lone
 * '%' stays) and then strictly encoded. */
static void add_requeried(sfn_buf *b, const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
        hexval((unsigned char)s[i + 2]) >= 0) {
      c = (unsigned char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
      i += 2;
    }
    if (unreserved(c))
      sfn_buf_addc(b, (char)c);
    else
      add_escaped(b, c);
  }
}

/* ---- canonical URI ---- */

typedef struct span {
  size_t off, len;
} span;

/* The canonical URI of path: dot segments and empty segments removed
 * (unless NO_NORMALIZE), then encoded (twice unless SINGLE_ENCODE: the path
 * is already encoded once on the wire, so '%' becomes %25). */
static int add_canonical_uri(sfn_buf *b, const char *path, size_t n, unsigned flags) {
  int single = (flags & SFN_SIGV4_SINGLE_ENCODE) != 0;
  span *seg;
  size_t nseg = 0, i, start, count = 1, last_off = 0, last_len = 0;
  int trailing;
  if (n == 0) {
    sfn_buf_addc(b, '/');
    return SFN_OK;
  }
  if (flags & SFN_SIGV4_NO_NORMALIZE) {
    if (path[0] != '/') sfn_buf_addc(b, '/');
    add_encoded(b, path, n, 1, single);
    return SFN_OK;
  }
  for (i = 0; i < n; i++)
    if (path[i] == '/') count++;
  seg = sfn_malloc(count * sizeof *seg);
  if (!seg) return SFN_ERR;
  start = 0;
  for (i = 0; i <= n; i++) {
    if (i < n && path[i] != '/') continue;
    last_off = start;
    last_len = i - start;
    if (last_len == 0 || (last_len == 1 && path[start] == '.')) {
      /* empty or "." */
    } else if (last_len == 2 && path[start] == '.' && path[start + 1] == '.') {
      if (nseg) nseg--;
    } else {
      seg[nseg].off = start;
      seg[nseg].len = last_len;
      nseg++;
    }
    start = i + 1;
  }
  /* A path ending in "/", "/." or "/.." names a directory: keep a slash. */
  trailing = last_len == 0 || (last_len == 1 && path[last_off] == '.') ||
             (last_len == 2 && path[last_off] == '.' && path[last_off + 1] == '.');
  sfn_buf_addc(b, '/');
  for (i = 0; i < nseg; i++) {
    if (i) sfn_buf_addc(b, '/');
    add_encoded(b, path + seg[i].off, seg[i].len, 0, single);
  }
  if (nseg && trailing) sfn_buf_addc(b, '/');
  sfn_free(seg);
  return SFN_OK;
}

/* ---- canonical query ---- */

typedef struct qpair {
  span k, v; /* in the pair buffer */
} qpair;

static int cmp_span(const char *base, span a, span b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = memcmp(base + a.off, base + b.off, n);
  if (c) return c;
  return a.len < b.len ? -1 : a.len > b.len;
}

/* Pairs sort by key, then value (bytes).  qsort has no context argument
 * in C99, so a bottom-up merge sort (O(n log n) on hostile input too). */
static int pair_less(const char *base, const qpair *a, const qpair *b) {
  int c = cmp_span(base, a->k, b->k);
  if (c) return c < 0;
  return cmp_span(base, a->v, b->v) < 0;
}

static int sort_pairs(qpair *p, size_t n, const char *base) {
  qpair *tmp, *src = p, *dst;
  size_t width, i;
  if (n < 2) return SFN_OK;
  tmp = sfn_malloc(n * sizeof *tmp);
  if (!tmp) return SFN_ERR;
  dst = tmp;
  for (width = 1; width < n; width *= 2) {
    for (i = 0; i < n; i += 2 * width) {
      size_t lo = i, mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
      size_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi) dst[k++] = pair_less(base, &src[b], &src[a]) ? src[b++] : src[a++];
      while (a < mid) dst[k++] = src[a++];
      while (b < hi) dst[k++] = src[b++];
    }
    {
      qpair *t = src;
      src = dst;
      dst = t;
    }
  }
  if (src != p) memcpy(p, src, n * sizeof *p);
  sfn_free(tmp);
  return SFN_OK;
}

typedef struct qlist {
  sfn_buf text; /* encoded keys and values */
  qpair *pairs;
  size_t n, cap;
} qlist;

static int qlist_push(qlist *q, size_t koff, size_t klen, size_t voff, size_t vlen) {
  if (q->n == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 16;
    qpair *np = sfn_realloc(q->pairs, cap * sizeof *np);
    if (!np) return SFN_ERR;
    q->pairs = np;
    q->cap = cap;
  }
  q->pairs[q->n].k.off = koff;
  q->pairs[q->n].k.len = klen;
  q->pairs[q->n].v.off = voff;
  q->pairs[q->n].v.len = vlen;
  q->n++;
  return SFN_OK;
}

/* Add one pair: key and value as they are sent (decoded, re-encoded) or,
 * with raw, already canonical. */
static int qlist_add(qlist *q, const char *k, size_t kn, const char *v, size_t vn, int raw) {
  size_t koff = q->text.len, voff;
  if (raw)
    sfn_buf_add(&q->text, k, kn);
  else
    add_requeried(&q->text, k, kn);
  voff = q->text.len;
  if (raw)
    sfn_buf_add(&q->text, v, vn);
  else
    add_requeried(&q->text, v, vn);
  if (q->text.oom) return SFN_ERR;
  return qlist_push(q, koff, voff - koff, voff, q->text.len - voff);
}

/* Add an already canonical key with a value to encode strictly. */
static int qlist_add_enc(qlist *q, const char *k, const char *v, size_t vn) {
  size_t koff = q->text.len, klen = strlen(k), voff;
  sfn_buf_add(&q->text, k, klen);
  voff = q->text.len;
  add_encoded(&q->text, v, vn, 0, 0);
  if (q->text.oom) return SFN_ERR;
  return qlist_push(q, koff, klen, voff, q->text.len - voff);
}

static int qlist_parse(qlist *q, const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t j = i, eq;
    while (j < n && s[j] != '&') j++;
    if (j > i) {
      eq = i;
      while (eq < j && s[eq] != '=') eq++;
      if (eq < j) {
        if (qlist_add(q, s + i, eq - i, s + eq + 1, j - eq - 1, 0) != SFN_OK) return SFN_ERR;
      } else if (qlist_add(q, s + i, j - i, "", 0, 0) != SFN_OK) {
        return SFN_ERR;
      }
    }
    i = j + 1;
  }
  return SFN_OK;
}

static void qlist_free(qlist *q) {
  sfn_buf_free(&q->text);
  sfn_free(q->pairs);
}

/* ---- canonical headers ---- */

typedef struct hentry {
  span name;         /* lowercase, in the names buffer */
  const char *value; /* borrowed */
  size_t value_len;
  size_t order;
} hentry;

static int is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Append v trimmed, with every run of whitespace (line folds included)
 * made one space. */
static void add_header_value(sfn_buf *b, const char *v, size_t n) {
  size_t i = 0, start;
  int first = 1;
  while (i < n) {
    while (i < n && is_space((unsigned char)v[i])) i++;
    if (i >= n) break;
    start = i;
    while (i < n && !is_space((unsigned char)v[i])) i++;
    if (!first) sfn_buf_addc(b, ' ');
    sfn_buf_add(b, v + start, i - start);
    first = 0;
  }
}

static int name_is(const char *s, size_t n, const char *lit) {
  size_t ln = strlen(lit);
  return n == ln && memcmp(s, lit, n) == 0;
}

/* Headers never signed by default: Authorization, and the ones botocore
 * leaves out (hop-by-hop headers a proxy may change, Expect, User-Agent,
 * X-Amzn-Trace-Id). */
static int unsigned_by_default(const char *s, size_t n) {
  static const char *const names[] = {"authorization", "connection", "expect", "keep-alive",
                                      "proxy-authenticate", "proxy-authorization", "te", "trailer",
                                      "transfer-encoding", "upgrade", "user-agent",
                                      "x-amzn-trace-id", NULL};
  int i;
  for (i = 0; names[i]; i++)
    if (name_is(s, n, names[i])) return 1;
  return 0;
}

static int hentry_less(const char *base, const hentry *a, const hentry *b) {
  int c = cmp_span(base, a->name, b->name);
  if (c) return c < 0;
  return a->order < b->order;
}

static int sort_headers(hentry *p, size_t n, const char *base) {
  size_t i, j;
  /* insertion sort for short lists, merge sort otherwise */
  if (n <= 32) {
    for (i = 1; i < n; i++) {
      hentry t = p[i];
      for (j = i; j > 0 && hentry_less(base, &t, &p[j - 1]); j--) p[j] = p[j - 1];
      p[j] = t;
    }
    return SFN_OK;
  } else {
    hentry *tmp = sfn_malloc(n * sizeof *tmp), *src = p, *dst;
    size_t width;
    if (!tmp) return SFN_ERR;
    dst = tmp;
    for (width = 1; width < n; width *= 2) {
      for (i = 0; i < n; i += 2 * width) {
        size_t mid = i + width < n ? i + width : n, hi = i + 2 * width < n ? i + 2 * width : n;
        size_t a = i, b = mid, k = i;
        while (a < mid && b < hi) dst[k++] = hentry_less(base, &src[b], &src[a]) ? src[b++] : src[a++];
        while (a < mid) dst[k++] = src[a++];
        while (b < hi) dst[k++] = src[b++];
      }
      {
        hentry *t = src;
        src = dst;
        dst = t;
      }
    }
    if (src != p) memcpy(p, src, n * sizeof *p);
    sfn_free(tmp);
    return SFN_OK;
  }
}

/* ---- signing ---- */

void sfn_sigv4_result_free(sfn_sigv4_result *r) {
  if (!r) return;
  sfn_free(r->canonical_request);
  sfn_free(r->string_to_sign);
  sfn_free(r->signed_headers);
  sfn_free(r->credential_scope);
  sfn_free(r->authorization);
  sfn_free(r->query);
  memset(r, 0, sizeof *r);
}

static int valid_payload_hash(const char *s) {
  size_t i, n = strlen(s);
  if (n == 0 || n > 64) return 0;
  for (i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'))
      return 0;
  }
  return 1;
}

static int listed(const sfn_sigv4_params *p, const char *s, size_t n) {
  size_t i;
  for (i = 0; i < p->nonly_headers; i++)
    if (p->only_headers[i] && name_is(s, n, p->only_headers[i])) return 1;
  return 0;
}

/* Collect the headers to sign into *out (names lowercased into names). */
static int collect_headers(const sfn_sigv4_request *req, const sfn_sigv4_params *p,
                           const char *amz_date, const char *payload_hash, sfn_buf *names,
                           hentry **out, size_t *nout) {
  int presign = (p->flags & SFN_SIGV4_PRESIGN) != 0;
  int verify = (p->flags & SFN_SIGV4_VERIFY) != 0;
  int token = p->session_token && p->session_token[0];
  int add_sha = !presign && !verify && (p->flags & SFN_SIGV4_CONTENT_SHA256);
  hentry *h = sfn_malloc((req->nheaders + 3) * sizeof *h);
  size_t n = 0, i, j;
  if (!h) return SFN_ERR;
  for (i = 0; i < req->nheaders; i++) {
    const sfn_sigv4_header *src = &req->headers[i];
    size_t off = names->len;
    const char *lname;
    if (sfn_buf_reserve(names, src->name_len + 1) != SFN_OK) goto oom;
    for (j = 0; j < src->name_len; j++) {
      char c = src->name[j];
      names->data[names->len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    lname = names->data + off;
    if (p->only_headers) {
      if (!listed(p, lname, src->name_len)) goto skip;
    } else if (unsigned_by_default(lname, src->name_len)) {
      goto skip;
    }
    if (!verify) {
      if (name_is(lname, src->name_len, "x-amz-date") ||
          (token && name_is(lname, src->name_len, "x-amz-security-token")) ||
          (add_sha && name_is(lname, src->name_len, "x-amz-content-sha256")))
        goto skip;
    }
    h[n].name.off = off;
    h[n].name.len = src->name_len;
    h[n].value = src->value;
    h[n].value_len = src->value_len;
    h[n].order = i;
    n++;
    continue;
  skip:
    names->len = off;
  }
  if (!presign && !verify) {
    static const char *const added[] = {"x-amz-date", "x-amz-security-token", "x-amz-content-sha256"};
    const char *vals[3];
    int k;
    vals[0] = amz_date;
    vals[1] = token && !(p->flags & SFN_SIGV4_OMIT_TOKEN) ? p->session_token : NULL;
    vals[2] = add_sha ? payload_hash : NULL;
    for (k = 0; k < 3; k++) {
      if (!vals[k]) continue;
      h[n].name.off = names->len;
      h[n].name.len = strlen(added[k]);
      sfn_buf_add(names, added[k], h[n].name.len);
      if (names->oom) goto oom;
      h[n].value = vals[k];
      h[n].value_len = strlen(vals[k]);
      h[n].order = req->nheaders + (size_t)k;
      n++;
    }
  }
  if (sort_headers(h, n, names->data) != SFN_OK) goto oom;
  *out = h;
  *nout = n;
  return SFN_OK;
oom:
  sfn_free(h);
  return SFN_ERR;
}

int sfn_sigv4_sign(sfn_sigv4_cache *cache, const sfn_sigv4_request *req, const sfn_sigv4_params *p,
                   sfn_sigv4_result *out, sfn_error *err) {
  hasher local = {NULL, NULL}, *h;
  EVP_MD *fetched = NULL;
  sfn_buf cr, names, sh, tmp;
  qlist q;
  hentry *hs = NULL;
  size_t nh = 0, i;
  unsigned char digest[32], key[32];
  char date8[9], hexd[65];
  int presign = (p->flags & SFN_SIGV4_PRESIGN) != 0;
  int token = p->session_token && p->session_token[0];
  int rc = SFN_ERR;

  memset(out, 0, sizeof *out);
  sfn_buf_init(&cr);
  sfn_buf_init(&names);
  sfn_buf_init(&sh);
  sfn_buf_init(&tmp);
  memset(&q, 0, sizeof q);
  sfn_buf_init(&q.text);

  if (!p->access_key_id || !p->secret_access_key)
    return sfn_error_set(err, "InvalidParameter", "credentials need an access key id and a secret access key");
  if (!p->region || !p->region[0] || !p->service || !p->service[0])
    return sfn_error_set(err, "InvalidParameter", "region and service must not be empty");
  if (strchr(p->region, '/') || strchr(p->service, '/'))
    return sfn_error_set(err, "InvalidParameter", "region and service must not contain '/'");
  if (sfn_sigv4_format_date(p->time, out->amz_date) != SFN_OK)
    return sfn_error_set(err, "InvalidParameter", "time is out of range (years 1970 to 9999)");
  if (presign && (p->expires < 1 || p->expires > MAX_EXPIRES))
    return sfn_error_set(err, "InvalidParameter", "expires must be between 1 and %d seconds",
                         MAX_EXPIRES);
  if (p->payload_hash && !valid_payload_hash(p->payload_hash))
    return sfn_error_set(err, "InvalidParameter", "payload_hash must be a hex digest or UNSIGNED-PAYLOAD");
  memcpy(date8, out->amz_date, 8);
  date8[8] = '\0';

  if (cache) {
    h = &cache->h;
  } else {
    if (hasher_init(&local, &fetched) != SFN_OK) goto oom;
    h = &local;
  }

  /* payload hash */
  if (p->payload_hash) {
    memcpy(out->payload_hash, p->payload_hash, strlen(p->payload_hash) + 1); /* <= 64, checked */
  } else if (p->flags & SFN_SIGV4_UNSIGNED_PAYLOAD) {
    memcpy(out->payload_hash, UNSIGNED_PAYLOAD, sizeof UNSIGNED_PAYLOAD);
  } else {
    if (sha256_2(h, req->body, req->body ? req->body_len : 0, NULL, 0, digest) != SFN_OK) goto crypto;
    hex32(digest, out->payload_hash);
  }

  /* scope */
  sfn_buf_add(&tmp, date8, 8);
  sfn_buf_addc(&tmp, '/');
  sfn_buf_adds(&tmp, p->region);
  sfn_buf_addc(&tmp, '/');
  sfn_buf_adds(&tmp, p->service);
  sfn_buf_adds(&tmp, "/aws4_request");
  out->credential_scope = sfn_buf_take(&tmp, NULL);
  if (!out->credential_scope) goto oom;

  /* headers */
  if (collect_headers(req, p, out->amz_date, out->payload_hash, &names, &hs, &nh) != SFN_OK) goto oom;
  for (i = 0; i < nh; i++) {
    if (i && cmp_span(names.data, hs[i].name, hs[i - 1].name) == 0) continue;
    if (sh.len) sfn_buf_addc(&sh, ';');
    sfn_buf_add(&sh, names.data + hs[i].name.off, hs[i].name.len);
  }
  out->signed_headers = sfn_buf_take(&sh, NULL);
  if (!out->signed_headers) goto oom;

  /* query */
  if (req->query && req->query_len && qlist_parse(&q, req->query, req->query_len) != SFN_OK) goto oom;
  if (presign) {
    char num[24];
    sfn_buf cred;
    int ok;
    sfn_buf_init(&cred);
    sfn_buf_adds(&cred, p->access_key_id);
    sfn_buf_addc(&cred, '/');
    sfn_buf_adds(&cred, out->credential_scope);
    if (cred.oom) goto oom;
    snprintf(num, sizeof num, "%lld", (long long)p->expires);
    ok = qlist_add(&q, "X-Amz-Algorithm", 15, ALGORITHM, sizeof ALGORITHM - 1, 1) == SFN_OK &&
         qlist_add_enc(&q, "X-Amz-Credential", cred.data, cred.len) == SFN_OK &&
         qlist_add(&q, "X-Amz-Date", 10, out->amz_date, 16, 1) == SFN_OK &&
         qlist_add(&q, "X-Amz-Expires", 13, num, strlen(num), 1) == SFN_OK &&
         qlist_add_enc(&q, "X-Amz-SignedHeaders", out->signed_headers, strlen(out->signed_headers)) == SFN_OK &&
         (!token || (p->flags & SFN_SIGV4_OMIT_TOKEN) ||
          qlist_add_enc(&q, "X-Amz-Security-Token", p->session_token, strlen(p->session_token)) == SFN_OK);
    sfn_buf_free(&cred);
    if (!ok) goto oom;
  }
  if (sort_pairs(q.pairs, q.n, q.text.data ? q.text.data : "") != SFN_OK) goto oom;

  /* canonical request */
  sfn_buf_add(&cr, req->method ? req->method : "", req->method ? req->method_len : 0);
  sfn_buf_addc(&cr, '\n');
  if (add_canonical_uri(&cr, req->path, req->path ? req->path_len : 0, p->flags) != SFN_OK) goto oom;
  sfn_buf_addc(&cr, '\n');
  for (i = 0; i < q.n; i++) {
    /* q.text is still unallocated when every name and value is empty */
    const char *qt = q.text.data ? q.text.data : "";
    if (i) sfn_buf_addc(&cr, '&');
    sfn_buf_add(&cr, qt + q.pairs[i].k.off, q.pairs[i].k.len);
    sfn_buf_addc(&cr, '=');
    sfn_buf_add(&cr, qt + q.pairs[i].v.off, q.pairs[i].v.len);
  }
  sfn_buf_addc(&cr, '\n');
  for (i = 0; i < nh; i++) {
    int same = i && cmp_span(names.data, hs[i].name, hs[i - 1].name) == 0;
    if (same) {
      sfn_buf_addc(&cr, ',');
    } else {
      if (i) sfn_buf_addc(&cr, '\n');
      sfn_buf_add(&cr, names.data + hs[i].name.off, hs[i].name.len);
      sfn_buf_addc(&cr, ':');
    }
    add_header_value(&cr, hs[i].value, hs[i].value_len);
  }
  if (nh) sfn_buf_addc(&cr, '\n');
  sfn_buf_addc(&cr, '\n');
  sfn_buf_adds(&cr, out->signed_headers);
  sfn_buf_addc(&cr, '\n');
  sfn_buf_adds(&cr, out->payload_hash);
  if (cr.oom) goto oom;
  if (sha256_2(h, cr.data, cr.len, NULL, 0, digest) != SFN_OK) goto crypto;
  out->canonical_request = sfn_buf_take(&cr, NULL);
  if (!out->canonical_request) goto oom;

  /* string to sign and signature */
  hex32(digest, hexd);
  sfn_buf_adds(&tmp, ALGORITHM "\n");
  sfn_buf_add(&tmp, out->amz_date, 16);
  sfn_buf_addc(&tmp, '\n');
  sfn_buf_adds(&tmp, out->credential_scope);
  sfn_buf_addc(&tmp, '\n');
  sfn_buf_add(&tmp, hexd, 64);
  if (tmp.oom) goto oom;
  if (signing_key(cache, h, p, date8, key) != SFN_OK) goto crypto;
  if (hmac(h, key, 32, tmp.data, tmp.len, digest) != SFN_OK) goto crypto;
  OPENSSL_cleanse(key, sizeof key);
  hex32(digest, out->signature);
  out->string_to_sign = sfn_buf_take(&tmp, NULL);
  if (!out->string_to_sign) goto oom;

  if (presign) {
    if (req->query && req->query_len) {
      sfn_buf_add(&tmp, req->query, req->query_len);
      sfn_buf_addc(&tmp, '&');
    }
    sfn_buf_adds(&tmp, "X-Amz-Algorithm=" ALGORITHM "&X-Amz-Credential=");
    add_encoded(&tmp, p->access_key_id, strlen(p->access_key_id), 0, 0);
    sfn_buf_adds(&tmp, "%2F");
    add_encoded(&tmp, out->credential_scope, strlen(out->credential_scope), 0, 0);
    sfn_buf_printf(&tmp, "&X-Amz-Date=%s&X-Amz-SignedHeaders=", out->amz_date);
    add_encoded(&tmp, out->signed_headers, strlen(out->signed_headers), 0, 0);
    sfn_buf_printf(&tmp, "&X-Amz-Expires=%lld", (long long)p->expires);
    if (token) {
      sfn_buf_adds(&tmp, "&X-Amz-Security-Token=");
      add_encoded(&tmp, p->session_token, strlen(p->session_token), 0, 0);
    }
    sfn_buf_printf(&tmp, "&X-Amz-Signature=%s", out->signature);
    out->query = sfn_buf_take(&tmp, NULL);
    if (!out->query) goto oom;
  } else {
    sfn_buf_adds(&tmp, ALGORITHM " Credential=");
    sfn_buf_adds(&tmp, p->access_key_id);
    sfn_buf_addc(&tmp, '/');
    sfn_buf_adds(&tmp, out->credential_scope);
    sfn_buf_adds(&tmp, ", SignedHeaders=");
    sfn_buf_adds(&tmp, out->signed_headers);
    sfn_buf_adds(&tmp, ", Signature=");
    sfn_buf_add(&tmp, out->signature, 64);
    out->authorization = sfn_buf_take(&tmp, NULL);
    if (!out->authorization) goto oom;
  }
  rc = SFN_OK;
  goto cleanup;
crypto:
  sfn_error_set(err, "SigningError", "libcrypto failed to hash");
  goto cleanup;
oom:
  sfn_error_oom(err);
cleanup:
  OPENSSL_cleanse(key, sizeof key);
  if (!cache) hasher_done(&local, fetched);
  sfn_free(hs);
  qlist_free(&q);
  sfn_buf_free(&cr);
  sfn_buf_free(&names);
  sfn_buf_free(&sh);
  sfn_buf_free(&tmp);
  return rc;
}
