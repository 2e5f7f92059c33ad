/*
 * sfn_sigv4.h: AWS Signature Version 4 (AWS4-HMAC-SHA256) over a neutral
 * request description, independent of any HTTP library.
 *
 * What it does: canonical URI (path normalisation and the double encoding
 * every service but S3 uses), canonical query (decode, strict re-encode,
 * sort), canonical headers (lowercase names, trimmed values with folded
 * whitespace, repeated headers joined with ','), payload hash (or
 * UNSIGNED-PAYLOAD), session token, the string to sign and the signature,
 * for Authorization-header signing and for presigned (query) URLs.  A
 * signing-key cache keeps derived keys per secret/date/region/service.
 *
 * Sans-I/O like the rest of the core: the caller gives the time.  Hashing
 * and HMAC use OpenSSL's libcrypto (EVP digests).
 *
 * Ownership: everything in sfn_sigv4_request and sfn_sigv4_params is
 * borrowed for the duration of the call; an sfn_sigv4_result owns its
 * strings (free with sfn_sigv4_result_free).
 */
#ifndef SFN_SIGV4_H
#define SFN_SIGV4_H

#include "sfn_core.h"

/* One header field as sent (borrowed).  A name may repeat: the values are
 * joined with ',' in the order given. */
typedef struct sfn_sigv4_header {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
} sfn_sigv4_header;

/* The request to sign (all borrowed).  path and query are as they go on
 * the wire: path is everything before '?' (empty means "/"), query
 * everything after it (NULL or empty: none).  The headers must include Host
 * (sfn_sigv4_split_url gives the value derived from a URL). */
typedef struct sfn_sigv4_request {
  const char *method;
  size_t method_len;
  const char *path;
  size_t path_len;
  const char *query;
  size_t query_len;
  const sfn_sigv4_header *headers;
  size_t nheaders;
  const char *body;
  size_t body_len;
} sfn_sigv4_request;

/* Flags of sfn_sigv4_params.flags. */
enum {
  SFN_SIGV4_PRESIGN = 1 << 0,          /* query signing (a presigned URL) */
  SFN_SIGV4_UNSIGNED_PAYLOAD = 1 << 1, /* payload hash "UNSIGNED-PAYLOAD" */
  SFN_SIGV4_CONTENT_SHA256 = 1 << 2,   /* add and sign X-Amz-Content-Sha256 */
  SFN_SIGV4_NO_NORMALIZE = 1 << 3,     /* keep "." "..", "//" in the path (S3) */
  SFN_SIGV4_SINGLE_ENCODE = 1 << 4,    /* encode the path once, not twice (S3) */
  SFN_SIGV4_OMIT_TOKEN = 1 << 5,       /* sign without the token, then add it */
  SFN_SIGV4_VERIFY = 1 << 6            /* sign the request's headers as they
                                          are: nothing added or replaced (the
                                          caller lists them in only_headers) */
};

typedef struct sfn_sigv4_params {
  const char *access_key_id;      /* NUL-terminated */
  const char *secret_access_key;  /* NUL-terminated */
  const char *session_token;      /* NULL or "" when none */
  const char *region;
  const char *service;
  int64_t time;                   /* seconds since the epoch, UTC */
  int64_t expires;                /* presign: X-Amz-Expires (1..604800) */
  unsigned flags;
  /* Optional: the payload hash to use (64 hex digits or "UNSIGNED-PAYLOAD")
   * instead of hashing the body. */
  const char *payload_hash;
  /* Optional: sign exactly these headers (lowercase names); the others are
   * left out.  NULL: every header but Authorization and the ones botocore
   * leaves out (Connection, Expect, Keep-Alive, Proxy-Authenticate,
   * Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade,
   * User-Agent, X-Amzn-Trace-Id). */
  const char *const *only_headers;
  size_t nonly_headers;
} sfn_sigv4_params;

/* The outcome (owned strings; free with sfn_sigv4_result_free). */
typedef struct sfn_sigv4_result {
  char *canonical_request;
  char *string_to_sign;
  char *signed_headers;     /* "host;x-amz-date" */
  char *credential_scope;   /* "20150830/us-east-1/service/aws4_request" */
  char *authorization;      /* header signing: the Authorization value */
  char *query;              /* presign: the query to send (the request's own
                               first, then X-Amz-*), without '?' */
  char amz_date[17];        /* "20150830T123600Z" */
  char payload_hash[65];
  char signature[65];
} sfn_sigv4_result;

/* A signing-key cache (and the digest state the signer reuses).  One per
 * thread: it is not locked. */
typedef struct sfn_sigv4_cache sfn_sigv4_cache;

/* A new empty cache, or NULL when out of memory. */
SFN_API sfn_sigv4_cache *sfn_sigv4_cache_new(void);
/* Free the cache and wipe the secrets and keys it held (NULL is fine). */
SFN_API void sfn_sigv4_cache_free(sfn_sigv4_cache *c);

/*
 * Sign req with p.  cache may be NULL (keys derived every time).  Fills
 * *out (zeroed first; free it with sfn_sigv4_result_free even on error).
 * Errors: "InvalidParameter" (time out of range, empty region or service,
 * bad expires or payload_hash), "SigningError" (libcrypto failed),
 * "OutOfMemory".
 */
SFN_API int sfn_sigv4_sign(sfn_sigv4_cache *cache, const sfn_sigv4_request *req,
                           const sfn_sigv4_params *p, sfn_sigv4_result *out, sfn_error *err);

SFN_API void sfn_sigv4_result_free(sfn_sigv4_result *r);

/* The parts of a URL the signer needs (borrowed spans of the URL).  A URL is
 * scheme "://" authority [path] ["?" query] ["#" fragment], or an
 * origin-form target "/path?query" (then scheme and host are empty). */
typedef struct sfn_sigv4_url {
  const char *scheme;
  size_t scheme_len;
  const char *host;  /* authority without userinfo and without the scheme's
                        default port (80 for http, 443 for https) */
  size_t host_len;
  const char *port;  /* the explicit port kept in host, if any (else NULL) */
  size_t port_len;
  const char *path;  /* may be empty */
  size_t path_len;
  const char *query; /* NULL when there is no '?' */
  size_t query_len;
} sfn_sigv4_url;

/* Split url.  Errors: "InvalidURL" (no "scheme://" and not starting with
 * '/', empty host, a control character or space in the authority). */
SFN_API int sfn_sigv4_split_url(const char *url, size_t len, sfn_sigv4_url *u, sfn_error *err);

/* Write the X-Amz-Date form of t ("YYYYMMDDThhmmssZ") into buf[17].
 * SFN_ERR when t is outside years 1970..9999. */
SFN_API int sfn_sigv4_format_date(int64_t t, char buf[17]);

/* Parse an X-Amz-Date value ("YYYYMMDDThhmmssZ", a real date) into *t.
 * SFN_OK or SFN_ERR. */
SFN_API int sfn_sigv4_parse_date(const char *s, size_t len, int64_t *t);

/* Compare two byte strings in time independent of where they differ
 * (lengths may leak).  1 when equal. */
SFN_API int sfn_sigv4_equal(const char *a, size_t alen, const char *b, size_t blen);

#endif
