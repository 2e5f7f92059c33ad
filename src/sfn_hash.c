/*
 * sfn_hash.c: MD5 (RFC 1321), SHA-1 and the SHA-2 family (FIPS 180-4),
 * one-shot over an in-memory message.
 *
 * The round constants are the values those standards define (MD5: the
 * integer part of |sin(i+1)| * 2^32; SHA-2: fractional parts of square and
 * cube roots of the first primes), generated from their definitions.
 */
#include "sfn_hash.h"

#include <string.h>

/* ---- shared helpers ---- */

static uint32_t rol32(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }
static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }
static uint64_t ror64(uint64_t x, unsigned n) { return (x >> n) | (x << (64 - n)); }

static uint32_t load_be32(const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static uint32_t load_le32(const unsigned char *p) {
  return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}
static uint64_t load_be64(const unsigned char *p) {
  return ((uint64_t)load_be32(p) << 32) | load_be32(p + 4);
}
static void store_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}
static void store_le32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}
static void store_be64(unsigned char *p, uint64_t v) {
  store_be32(p, (uint32_t)(v >> 32));
  store_be32(p + 4, (uint32_t)v);
}

/*
 * Merkle-Damgard driver shared by all five digests: feeds every full block
 * of the message, then the padded tail (0x80, zeros, bit length in the last
 * `lenbytes` bytes of the final block, big- or little-endian).
 */
typedef void (*block_fn)(void *state, const unsigned char *block);

static void md_run(void *state, block_fn fn, size_t blocksize, size_t lenbytes, int little,
                   const unsigned char *data, size_t len) {
  unsigned char tail[256];
  size_t full = len - len % blocksize, rest = len - full, total, i;
  uint64_t bits = (uint64_t)len << 3;
  for (i = 0; i < full; i += blocksize) fn(state, data + i);
  memset(tail, 0, sizeof tail);
  if (rest) memcpy(tail, data + full, rest);
  tail[rest] = 0x80;
  total = (rest + 1 + lenbytes <= blocksize) ? blocksize : 2 * blocksize;
  if (little) {
    store_le32(tail + total - lenbytes, (uint32_t)bits);
    store_le32(tail + total - lenbytes + 4, (uint32_t)(bits >> 32));
  } else {
    /* The length field is 8 or 16 bytes; messages here never exceed 2^61
     * bytes, so the high part of a 16-byte field stays zero. */
    store_be64(tail + total - 8, bits);
  }
  for (i = 0; i < total; i += blocksize) fn(state, tail + i);
}

/* ---- MD5 ---- */

static const uint32_t md5_t[64] = {
  0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu, 0x4787c62au,
  0xa8304613u, 0xfd469501u, 0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
  0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u, 0xf61e2562u, 0xc040b340u,
  0x265e5a51u, 0xe9b6c7aau, 0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
  0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu, 0xa9e3e905u, 0xfcefa3f8u,
  0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
  0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u, 0x289b7ec6u, 0xeaa127fau,
  0xd4ef3085u, 0x04881d05u, 0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
  0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u,
  0xffeff47du, 0x85845dd1u, 0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
  0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};
static const unsigned char md5_s[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static void md5_block(void *st, const unsigned char *blk) {
  uint32_t *h = st, m[16], a = h[0], b = h[1], c = h[2], d = h[3], f, t;
  unsigned i, g;
  for (i = 0; i < 16; i++) m[i] = load_le32(blk + 4 * i);
  for (i = 0; i < 64; i++) {
    unsigned round = i / 16;
    switch (round) {
    case 0: f = (b & c) | (~b & d); g = i; break;
    case 1: f = (d & b) | (~d & c); g = (5 * i + 1) % 16; break;
    case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
    default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
    }
    t = d;
    d = c;
    c = b;
    b = b + rol32(a + f + md5_t[i] + m[g], md5_s[round][i % 4]);
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

static void md5(const unsigned char *data, size_t len, unsigned char *out) {
  uint32_t h[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  int i;
  md_run(h, md5_block, 64, 8, 1, data, len);
  for (i = 0; i < 4; i++) store_le32(out + 4 * i, h[i]);
}

/* ---- SHA-1 ---- */

static void sha1_block(void *st, const unsigned char *blk) {
  uint32_t *h = st, w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
  int i;
  for (i = 0; i < 16; i++) w[i] = load_be32(blk + 4 * i);
  for (i = 16; i < 80; i++) w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  for (i = 0; i < 80; i++) {
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999u; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1u; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdcu; }
    else { f = b ^ c ^ d; k = 0xca62c1d6u; }
    t = rol32(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol32(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

static void sha1(const unsigned char *data, size_t len, unsigned char *out) {
  uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
  int i;
  md_run(h, sha1_block, 64, 8, 0, data, len);
  for (i = 0; i < 5; i++) store_be32(out + 4 * i, h[i]);
}

/* ---- SHA-256 ---- */

static const uint32_t sha256_k[64] = {
  0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u,
  0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
  0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u,
  0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
  0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
  0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
  0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
  0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
  0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au,
  0x5b9cca4fu, 0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
  0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static void sha256_block(void *st, const unsigned char *blk) {
  uint32_t *h = st, w[64], v[8], t1, t2;
  int i;
  for (i = 0; i < 16; i++) w[i] = load_be32(blk + 4 * i);
  for (i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof v);
  for (i = 0; i < 64; i++) {
    t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
         ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
    t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
         ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof v[0]);
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (i = 0; i < 8; i++) h[i] += v[i];
}

static void sha256(const unsigned char *data, size_t len, unsigned char *out) {
  uint32_t h[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
  };
  int i;
  md_run(h, sha256_block, 64, 8, 0, data, len);
  for (i = 0; i < 8; i++) store_be32(out + 4 * i, h[i]);
}

/* ---- SHA-512 / SHA-384 ---- */

static const uint64_t sha512_k[80] = {
  0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
  0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
  0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
  0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
  0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
  0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
  0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
  0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
  0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
  0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
  0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
  0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
  0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
  0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
  0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
  0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
  0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
  0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
  0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
  0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
  0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
  0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
  0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
  0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
  0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
  0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
  0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static void sha512_block(void *st, const unsigned char *blk) {
  uint64_t *h = st, w[80], v[8], t1, t2;
  int i;
  for (i = 0; i < 16; i++) w[i] = load_be64(blk + 8 * i);
  for (i = 16; i < 80; i++) {
    uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ (w[i - 15] >> 7);
    uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ (w[i - 2] >> 6);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof v);
  for (i = 0; i < 80; i++) {
    t1 = v[7] + (ror64(v[4], 14) ^ ror64(v[4], 18) ^ ror64(v[4], 41)) +
         ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha512_k[i] + w[i];
    t2 = (ror64(v[0], 28) ^ ror64(v[0], 34) ^ ror64(v[0], 39)) +
         ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
    memmove(v + 1, v, 7 * sizeof v[0]);
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (i = 0; i < 8; i++) h[i] += v[i];
}

static const uint64_t sha512_h0[8] = {
  0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
  0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
  0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
  0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};
static const uint64_t sha384_h0[8] = {
  0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL,
  0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
  0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL,
  0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL,
};

static void sha512_family(const uint64_t *h0, size_t outlen, const unsigned char *data, size_t len,
                          unsigned char *out) {
  uint64_t h[8];
  size_t i;
  memcpy(h, h0, sizeof h);
  md_run(h, sha512_block, 128, 16, 0, data, len);
  for (i = 0; i < outlen / 8; i++) store_be64(out + 8 * i, h[i]);
}

/* ---- public ---- */

static const struct {
  const char *name;
  size_t size;
} algs[] = {{"MD5", 16}, {"SHA-1", 20}, {"SHA-256", 32}, {"SHA-384", 48}, {"SHA-512", 64}};

int sfn_hash_lookup(const char *name, size_t len, sfn_digest_alg *alg) {
  size_t i;
  for (i = 0; i < sizeof algs / sizeof algs[0]; i++) {
    if (strlen(algs[i].name) == len && memcmp(algs[i].name, name, len) == 0) {
      *alg = (sfn_digest_alg)i;
      return 0;
    }
  }
  return -1;
}

size_t sfn_hash_size(sfn_digest_alg alg) { return algs[alg].size; }

void sfn_hash_digest(sfn_digest_alg alg, const void *data, size_t len, unsigned char *out) {
  const unsigned char *p = data;
  switch (alg) {
  case SFN_DIGEST_MD5: md5(p, len, out); break;
  case SFN_DIGEST_SHA1: sha1(p, len, out); break;
  case SFN_DIGEST_SHA256: sha256(p, len, out); break;
  case SFN_DIGEST_SHA384: sha512_family(sha384_h0, 48, p, len, out); break;
  case SFN_DIGEST_SHA512: sha512_family(sha512_h0, 64, p, len, out); break;
  }
}

void sfn_hash_hex(sfn_digest_alg alg, const void *data, size_t len, char *hex) {
  static const char digits[] = "0123456789abcdef";
  unsigned char d[SFN_DIGEST_MAX];
  size_t i, n = sfn_hash_size(alg);
  sfn_hash_digest(alg, data, len, d);
  for (i = 0; i < n; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[2 * n] = '\0';
}
