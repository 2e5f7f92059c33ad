/*
 * sfn_sigv4_util.c: the helpers around SigV4 signing (see sfn_sigv4.h):
 * splitting a URL into what the signer needs, the X-Amz-Date form of a
 * time and back, and a constant-time comparison for verifying signatures.
 */
#include "sfn_sigv4.h"

#include <string.h>

#include <openssl/crypto.h>

#include "sfn_time.h"

/* ---- dates ---- */

static void put2(char *p, int v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

int sfn_sigv4_format_date(int64_t t, char buf[17]) {
  int64_t days, secs, z, era, doe, yoe, y, doy, mp;
  int d, m;
  if (t < 0 || t > INT64_C(253402300799)) return SFN_ERR;
  days = t / 86400;
  secs = t % 86400;
  /* civil from days (proleptic Gregorian, eras of 400 years from 0000-03-01) */
  z = days + 719468;
  era = z / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = (int)(doy - (153 * mp + 2) / 5 + 1);
  m = (int)(mp < 10 ? mp + 3 : mp - 9);
  if (m <= 2) y++;
  put2(buf, (int)(y / 100));
  put2(buf + 2, (int)(y % 100));
  put2(buf + 4, m);
  put2(buf + 6, d);
  buf[8] = 'T';
  put2(buf + 9, (int)(secs / 3600));
  put2(buf + 11, (int)(secs / 60 % 60));
  put2(buf + 13, (int)(secs % 60));
  buf[15] = 'Z';
  buf[16] = '\0';
  return SFN_OK;
}

int sfn_sigv4_parse_date(const char *s, size_t len, int64_t *t) {
  char iso[21];
  int64_t ms;
  size_t i;
  if (len != 16 || s[8] != 'T' || s[15] != 'Z') return SFN_ERR;
  for (i = 0; i < 15; i++)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return SFN_ERR;
  memcpy(iso, s, 4);
  iso[4] = '-';
  memcpy(iso + 5, s + 4, 2);
  iso[7] = '-';
  memcpy(iso + 8, s + 6, 2);
  iso[10] = 'T';
  memcpy(iso + 11, s + 9, 2);
  iso[13] = ':';
  memcpy(iso + 14, s + 11, 2);
  iso[16] = ':';
  memcpy(iso + 17, s + 13, 2);
  iso[19] = 'Z';
  iso[20] = '\0';
  if (sfn_time_parse(iso, 20, &ms) != SFN_OK) return SFN_ERR;
  *t = ms / 1000;
  return SFN_OK;
}

int sfn_sigv4_equal(const char *a, size_t alen, const char *b, size_t blen) {
  if (alen != blen) return 0;
  if (alen == 0) return 1;
  return CRYPTO_memcmp(a, b, alen) == 0;
}

/* ---- URL ---- */

int sfn_sigv4_split_url(const char *url, size_t len, sfn_sigv4_url *u, sfn_error *err) {
  size_t i = 0, a, aend, hstart, pstart, q;
  memset(u, 0, sizeof *u);
  /* drop a fragment */
  for (q = 0; q < len; q++)
    if (url[q] == '#') {
      len = q;
      break;
    }
  if (len && url[0] == '/') {
    pstart = 0;
    goto path;
  }
  while (i < len && ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
                     (i && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '-' ||
                            url[i] == '.'))))
    i++;
  if (i == 0 || i + 3 > len || memcmp(url + i, "://", 3) != 0)
    return sfn_error_set(err, "InvalidURL", "URL must be scheme://host/path or /path");
  u->scheme = url;
  u->scheme_len = i;
  a = i + 3;
  aend = a;
  while (aend < len && url[aend] != '/' && url[aend] != '?') aend++;
  hstart = a;
  for (i = a; i < aend; i++) {
    unsigned char c = (unsigned char)url[i];
    if (c <= ' ' || c == 0x7f)
      return sfn_error_set(err, "InvalidURL", "URL host has a space or control character");
    if (c == '@') hstart = i + 1;
  }
  if (hstart == aend) return sfn_error_set(err, "InvalidURL", "URL has no host");
  u->host = url + hstart;
  u->host_len = aend - hstart;
  /* the port: after the last ':' not inside [...] */
  for (i = aend; i > hstart; i--) {
    char c = url[i - 1];
    if (c == ']') break;
    if (c == ':') {
      const char *port = url + i;
      size_t plen = aend - i;
      int dflt = (plen == 2 && memcmp(port, "80", 2) == 0 && u->scheme_len == 4 &&
                  (url[0] | 32) == 'h' && (url[1] | 32) == 't' && (url[2] | 32) == 't' &&
                  (url[3] | 32) == 'p') ||
                 (plen == 3 && memcmp(port, "443", 3) == 0 && u->scheme_len == 5 &&
                  (url[0] | 32) == 'h' && (url[1] | 32) == 't' && (url[2] | 32) == 't' &&
                  (url[3] | 32) == 'p' && (url[4] | 32) == 's');
      if (plen == 0 || dflt) {
        u->host_len = i - 1 - hstart;
      } else {
        u->port = port;
        u->port_len = plen;
      }
      break;
    }
  }
  if (u->host_len == 0) return sfn_error_set(err, "InvalidURL", "URL has no host");
  pstart = aend;
path:
  q = pstart;
  while (q < len && url[q] != '?') q++;
  u->path = url + pstart;
  u->path_len = q - pstart;
  if (q < len) {
    u->query = url + q + 1;
    u->query_len = len - q - 1;
  }
  return SFN_OK;
}
