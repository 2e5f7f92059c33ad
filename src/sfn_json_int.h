/*
 * sfn_json_int.h: pieces shared by the JSON decoder (sfn_json.c) and
 * encoder (sfn_json_encode.c); not part of the public API.
 */
#ifndef SFN_JSON_INT_H
#define SFN_JSON_INT_H

#include <stddef.h>

/* 1 for bytes copied through a string unchanged by decoder and encoder:
 * printable ASCII other than '"' and '\\'. */
extern const unsigned char sfn_json_plain[256];

/* 10^0 .. 10^22, all exact doubles. */
extern const double sfn_json_pow10[23];

/* Length (2..4) of the valid UTF-8 sequence at s (s[0] >= 0x80, avail
 * bytes available), or 0 when it is invalid (RFC 3629). */
size_t sfn_json_utf8_seq(const unsigned char *s, size_t avail);

/* strtod of text[0..len) (a valid JSON number) independent of the C
 * locale's decimal point.  NaN when out of memory. */
double sfn_json_strtod(const char *text, size_t len);

#endif
