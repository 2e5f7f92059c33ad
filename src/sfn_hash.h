/*
 * sfn_hash.h: message digests for States.Hash (MD5, SHA-1, SHA-256,
 * SHA-384, SHA-512), self-contained so the core needs no crypto library.
 *
 * One-shot only: the whole message is in memory (intrinsic inputs are at
 * most a few KiB).  These digests are for data fingerprints, not for
 * anything security-sensitive in sfn itself.
 */
#ifndef SFN_HASH_H
#define SFN_HASH_H

#include "sfn_core.h"

typedef enum sfn_digest_alg {
  SFN_DIGEST_MD5 = 0,
  SFN_DIGEST_SHA1,
  SFN_DIGEST_SHA256,
  SFN_DIGEST_SHA384,
  SFN_DIGEST_SHA512
} sfn_digest_alg;

#define SFN_DIGEST_MAX 64 /* bytes in the largest digest (SHA-512) */

/* The algorithm named exactly as AWS spells it ("MD5", "SHA-1", "SHA-256",
 * "SHA-384", "SHA-512"; case-sensitive).  Returns 0 and sets *alg, or -1. */
int sfn_hash_lookup(const char *name, size_t len, sfn_digest_alg *alg);

/* Digest length in bytes (16, 20, 32, 48 or 64). */
size_t sfn_hash_size(sfn_digest_alg alg);

/* Digest data[0..len) into out (sfn_hash_size(alg) bytes).  Never fails. */
void sfn_hash_digest(sfn_digest_alg alg, const void *data, size_t len, unsigned char *out);

/* Digest and write lowercase hex plus a NUL into hex (2*size+1 bytes). */
void sfn_hash_hex(sfn_digest_alg alg, const void *data, size_t len, char *hex);

#endif
