/*
 * sfn_time.c: ISO 8601 extended offset date-time parsing and the $$
 * timestamp format, with pure calendar arithmetic (no libc time zones).
 *
 * The grammar follows what AWS reports as "ISO-8601 extended offset
 * date-time format" (see sfn_time.h); the recorded AWS cases it was checked
 * against reject "2016-12-05 21:29:29Z", "2016-12-05T21:29:29",
 * "2016-13-05T21:29:29Z", "2016-12-05T25:29:29Z" and "05-12-2016T21:29:29Z",
 * and accept "2016-03-05T21:29:29.243167252Z" and "2026-11-21T10:12:57.00Z".
 */
#include "sfn_time.h"

#include <stdio.h>

/* Days since 1970-01-01 of y-m-d in the proleptic Gregorian calendar: years
 * are counted from March so the leap day is the last day of the year, and
 * 400-year eras of 146097 days make the division exact. */
int64_t sfn_time_days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  if (m <= 2) y -= 1;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;                                   /* 0..399 */
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
  return era * 146097 + doe - 719468;
}

/* The inverse: the civil date of a day number. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  int64_t era, doe, yoe, doy, mp;
  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m) {
  static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Read exactly n ASCII digits at s[*i]; -1 when they are not there. */
static int digits(const char *s, size_t len, size_t *i, int n) {
  int v = 0, k;
  if (*i + (size_t)n > len) return -1;
  for (k = 0; k < n; k++) {
    char c = s[*i + (size_t)k];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  *i += (size_t)n;
  return v;
}

static int at(const char *s, size_t len, size_t i, char c) { return i < len && s[i] == c; }

int sfn_time_parse_ns(const char *s, size_t len, int64_t *sec, int32_t *nsec) {
  size_t i = 0;
  int y, mo, d, h, mi, se = 0, off = 0;
  int32_t ns = 0;
  if (!s) return SFN_ERR;
  /* date */
  if ((y = digits(s, len, &i, 4)) < 0 || !at(s, len, i++, '-')) return SFN_ERR;
  if ((mo = digits(s, len, &i, 2)) < 1 || mo > 12 || !at(s, len, i++, '-')) return SFN_ERR;
  if ((d = digits(s, len, &i, 2)) < 1 || d > days_in_month(y, mo)) return SFN_ERR;
  if (!(at(s, len, i, 'T') || at(s, len, i, 't'))) return SFN_ERR;
  i++;
  /* time: hh:mm, then optional :ss and optional fraction after it */
  if ((h = digits(s, len, &i, 2)) < 0 || h > 23 || !at(s, len, i++, ':')) return SFN_ERR;
  if ((mi = digits(s, len, &i, 2)) < 0 || mi > 59) return SFN_ERR;
  if (at(s, len, i, ':')) {
    i++;
    if ((se = digits(s, len, &i, 2)) < 0 || se > 59) return SFN_ERR;
    if (at(s, len, i, '.')) {
      int n = 0;
      i++;
      while (i < len && s[i] >= '0' && s[i] <= '9' && n < 9) {
        ns = ns * 10 + (s[i] - '0');
        i++;
        n++;
      }
      for (; n < 9; n++) ns *= 10;
    }
  }
  /* zone: Z, or +hh[:mm[:ss]] up to 18:00 */
  if (at(s, len, i, 'Z') || at(s, len, i, 'z')) {
    i++;
  } else if (at(s, len, i, '+') || at(s, len, i, '-')) {
    int sign = s[i++] == '-' ? -1 : 1, oh, om = 0, os = 0;
    if ((oh = digits(s, len, &i, 2)) < 0 || oh > 18) return SFN_ERR;
    if (at(s, len, i, ':')) {
      i++;
      if ((om = digits(s, len, &i, 2)) < 0 || om > 59) return SFN_ERR;
      if (at(s, len, i, ':')) {
        i++;
        if ((os = digits(s, len, &i, 2)) < 0 || os > 59) return SFN_ERR;
      }
    }
    off = oh * 3600 + om * 60 + os;
    if (off > 18 * 3600) return SFN_ERR;
    off *= sign;
  } else {
    return SFN_ERR;
  }
  if (i != len) return SFN_ERR;
  *sec = sfn_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  *nsec = ns;
  return SFN_OK;
}

int sfn_time_parse(const char *s, size_t len, int64_t *ms) {
  int64_t sec;
  int32_t ns;
  if (sfn_time_parse_ns(s, len, &sec, &ns) != SFN_OK) return SFN_ERR;
  *ms = sec * 1000 + ns / 1000000;
  return SFN_OK;
}

size_t sfn_time_format(int64_t ms, char *buf) {
  int64_t sec = ms / 1000, days, y;
  int milli = (int)(ms % 1000), sod, m, d, n;
  if (milli < 0) { /* floor division for times before 1970 */
    milli += 1000;
    sec -= 1;
  }
  days = sec / 86400;
  sod = (int)(sec % 86400);
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  civil_from_days(days, &y, &m, &d);
  n = snprintf(buf, 32, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d, sod / 3600,
               sod / 60 % 60, sod % 60, milli);
  return n < 0 ? 0 : n >= 32 ? 31 : (size_t)n;
}
