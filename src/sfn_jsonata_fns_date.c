/*
 * sfn_jsonata_fns_date.c: JSONata's date/time functions: $now, $millis,
 * $fromMillis(ms, picture, timezone) and $toMillis(timestamp, picture).
 * Without a picture they print and read ISO 8601; with one they follow
 * XPath's fn:format-dateTime pictures ([Y0001]-[M01]-[D01], [FNn], [h]:[m]
 * [P], [Z01:01t], ...) the way JSONata implements them, including how a
 * picture is turned into a regular expression for parsing.  All
 * calendar arithmetic is proleptic Gregorian in UTC.
 */
#include "sfn_jsonata_fns_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000.0
#define MAX_PARTS 64

static const char *const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};
static const char *const day_names[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                        "Sunday"};

/* ---- calendar ---- */

/* Days since 1970-01-01 of y-m-d (m 1..12). */
static double days_from_civil(double y, int m, int d) {
  double era, yoe, doy, doe;
  y -= m <= 2;
  era = floor(y / 400);
  yoe = y - era * 400;
  doy = floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

typedef struct civil {
  double year;
  int month, day, hour, minute, second, ms, dow; /* month 1..12, dow 1 = Monday .. 7 = Sunday */
} civil;

static void civil_from_ms(double t, civil *c) {
  double days = floor(t / DAY_MS), z = days + 719468, era = floor(z / 146097), doe, yoe, doy, mp, msd;
  doe = z - era * 146097;
  yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
  doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
  mp = floor((5 * doy + 2) / 153);
  c->day = (int)(doy - floor((153 * mp + 2) / 5) + 1);
  c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
  c->year = yoe + era * 400 + (c->month <= 2);
  msd = t - days * DAY_MS;
  c->hour = (int)(msd / 3600000);
  c->minute = (int)fmod(msd / 60000, 60);
  c->second = (int)fmod(msd / 1000, 60);
  c->ms = (int)fmod(msd, 1000);
  c->dow = (int)fmod(fmod(days + 3, 7) + 7, 7) + 1; /* 1970-01-01 was a Thursday */
}

/* Date.UTC(y, m0, d, h, mi, s, ms) with m0 0-based and overflow carried. */
static double utc_ms(double y, double m0, double d, double h, double mi, double s, double ms) {
  double ym = y + floor(m0 / 12);
  int mn = (int)(m0 - floor(m0 / 12) * 12);
  return (days_from_civil(ym, mn + 1, 1) + d - 1) * DAY_MS + h * 3600000 + mi * 60000 + s * 1000 + ms;
}

/* Start (ms) of week 1 of the month: the week holding its first Thursday. */
static double first_week(double y, int m0) {
  double first = utc_ms(y, m0, 1, 0, 0, 0, 0);
  civil c;
  civil_from_ms(first, &c);
  return c.dow > 4 ? first + (8 - c.dow) * DAY_MS : first - (c.dow - 1) * DAY_MS;
}

/* The value of a component of the date (NAN for Z/z, which have none). */
static double component(double t, char comp) {
  civil c;
  civil_from_ms(t, &c);
  switch (comp) {
    case 'Y': return c.year;
    case 'M': return c.month;
    case 'D': return c.day;
    case 'd': return days_from_civil(c.year, c.month, c.day) - days_from_civil(c.year, 1, 1) + 1;
    case 'F': return c.dow;
    case 'W': {
      double start = first_week(c.year, 0), today = utc_ms(c.year, c.month - 1, c.day, 0, 0, 0, 0);
      double week = (today - start) / (DAY_MS * 7) + 1;
      if (week > 52) {
        if (today >= first_week(c.year + 1, 0)) week = 1;
      } else if (week < 1) {
        week = (today - first_week(c.year - 1, 0)) / (DAY_MS * 7) + 1;
      }
      return floor(week);
    }
    case 'w': {
      double start = first_week(c.year, c.month - 1), today = utc_ms(c.year, c.month - 1, c.day, 0, 0, 0, 0);
      double week = (today - start) / (DAY_MS * 7) + 1;
      if (week > 4) {
        if (today >= first_week(c.month == 12 ? c.year + 1 : c.year, c.month == 12 ? 0 : c.month)) week = 1;
      } else if (week < 1) {
        week = (today - first_week(c.month == 1 ? c.year - 1 : c.year, c.month == 1 ? 11 : c.month - 2)) /
                   (DAY_MS * 7) +
               1;
      }
      return floor(week);
    }
    case 'X': {
      if (t < first_week(c.year, 0)) return c.year - 1;
      if (t >= first_week(c.year + 1, 0)) return c.year + 1;
      return c.year;
    }
    case 'x': {
      int m0 = c.month - 1;
      if (t < first_week(c.year, m0)) return m0 == 0 ? 12 : m0;
      if (t >= first_week(m0 == 11 ? c.year + 1 : c.year, m0 == 11 ? 0 : m0 + 1)) return m0 == 11 ? 1 : m0 + 2;
      return c.month;
    }
    case 'H': return c.hour;
    case 'h': return c.hour % 12 == 0 ? 12 : c.hour % 12;
    case 'P': return c.hour >= 12 ? 1 : 0;
    case 'm': return c.minute;
    case 's': return c.second;
    case 'f': return c.ms;
    default: return NAN;
  }
}

/* ---- picture analysis ---- */

typedef struct part {
  int literal;
  sfn_buf text; /* literal text */
  char comp;
  char pres1[32], pres2;
  int names;      /* 0 = none, else 1 + SFN_JNF_LOWER/UPPER/TITLE */
  int wmin, wmax; /* -1 = none */
  int n;          /* year digits kept, -1 = all */
  int has_int;
  sfn_jnf_intfmt fmt;
} part;

typedef struct picture {
  part parts[MAX_PARTS];
  int nparts;
  char *pic; /* owned copy: intfmt tokens point into it */
} picture;

static void picture_free(picture *p) {
  int i;
  for (i = 0; i < p->nparts; i++) sfn_buf_free(&p->parts[i].text);
  sfn_free(p->pic);
}

static part *new_part(sfn_jn_call *c, picture *p) {
  part *r;
  if (p->nparts >= MAX_PARTS) {
    sfn_jnf_fail(c, "D3135", "Date/time picture string has too many parts");
    return NULL;
  }
  r = &p->parts[p->nparts++];
  memset(r, 0, sizeof *r);
  sfn_buf_init(&r->text);
  r->wmin = r->wmax = -1;
  r->n = -1;
  return r;
}

/* Literal text pic[a..b) with "]]" read as "]". */
static int add_literal(sfn_jn_call *c, picture *p, const char *s, size_t a, size_t b) {
  part *r;
  size_t i;
  if (b <= a) return SFN_OK;
  r = new_part(c, p);
  if (!r) return SFN_ERR;
  r->literal = 1;
  for (i = a; i < b; i++) {
    sfn_buf_addc(&r->text, s[i]);
    if (s[i] == ']' && i + 1 < b && s[i + 1] == ']') i++;
  }
  return SFN_OK;
}

static const char *default_pres(char comp) {
  switch (comp) {
    case 'Y': case 'M': case 'D': case 'd': case 'W': case 'w': case 'X': case 'x': case 'H': case 'h': case 'f':
      return "1";
    case 'F': case 'P': case 'C': case 'E': return "n";
    case 'm': case 's': return "01";
    case 'Z': case 'z': return "01:01";
    default: return NULL;
  }
}

static int parse_width(const char *s, size_t n) {
  size_t i;
  int v = 0, any = 0;
  if (n == 0 || (n == 1 && s[0] == '*')) return -1;
  for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    if (v < 100000) v = v * 10 + (s[i] - '0');
    any = 1;
  }
  return any ? v : -1;
}

static int analyse_picture(sfn_jn_call *c, const char *src, size_t len, picture *p) {
  size_t start = 0, pos = 0;
  char *s;
  memset(p, 0, sizeof *p);
  s = p->pic = sfn_strndup(src, len);
  if (!s) return sfn_jnf_oom(c);
  while (pos < len) {
    if (s[pos] == '[') {
      char marker[64];
      size_t mlen = 0, close, i;
      long comma = -1;
      const char *pres;
      size_t plen;
      part *r;
      if (pos + 1 < len && s[pos + 1] == '[') {
        if (add_literal(c, p, s, start, pos) != SFN_OK) return SFN_ERR;
        r = new_part(c, p);
        if (!r) return SFN_ERR;
        r->literal = 1;
        sfn_buf_addc(&r->text, '[');
        pos += 2;
        start = pos;
        continue;
      }
      if (add_literal(c, p, s, start, pos) != SFN_OK) return SFN_ERR;
      for (close = pos; close < len && s[close] != ']'; close++) {}
      if (close >= len)
        return sfn_jnf_fail(c, "D3135", "No matching closing bracket ']' in date/time picture string");
      for (i = pos + 1; i < close; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && mlen < sizeof marker - 1)
          marker[mlen++] = s[i];
      marker[mlen] = 0;
      r = new_part(c, p);
      if (!r) return SFN_ERR;
      r->comp = mlen ? marker[0] : 0;
      for (i = 0; i < mlen; i++)
        if (marker[i] == ',') comma = (long)i;
      if (comma >= 0) {
        const char *w = marker + comma + 1;
        const char *dash = strchr(w, '-');
        if (dash) {
          r->wmin = parse_width(w, (size_t)(dash - w));
          r->wmax = parse_width(dash + 1, strlen(dash + 1));
        } else {
          r->wmin = parse_width(w, strlen(w));
        }
        pres = comma == 0 ? marker : marker + 1; /* substring(1, 0) is substring(0, 1) */
        plen = comma == 0 ? 1 : (size_t)comma - 1;
      } else {
        pres = marker + (mlen ? 1 : 0);
        plen = mlen ? mlen - 1 : 0;
      }
      if (plen == 1) {
        memcpy(r->pres1, pres, 1);
      } else if (plen > 1) {
        char last = pres[plen - 1];
        if (strchr("atco", last)) {
          r->pres2 = last;
          plen--;
        }
        if (plen >= sizeof r->pres1) plen = sizeof r->pres1 - 1;
        memcpy(r->pres1, pres, plen);
      } else {
        const char *d = default_pres(r->comp);
        if (!d) {
          char cs[2] = {r->comp, 0};
          return sfn_jnf_fail(c, "D3132", "Unknown component specifier \"%s\" in date/time picture string", cs);
        }
        strcpy(r->pres1, d);
      }
      if (!default_pres(r->comp)) {
        char cs[2] = {r->comp, 0};
        return sfn_jnf_fail(c, "D3132", "Unknown component specifier \"%s\" in date/time picture string", cs);
      }
      if (r->pres1[0] == 'n') {
        r->names = 1 + SFN_JNF_LOWER;
      } else if (r->pres1[0] == 'N') {
        r->names = 1 + (r->pres1[1] == 'n' ? SFN_JNF_TITLE : SFN_JNF_UPPER);
      } else if (strchr("YMDdFWwXxHhmsf", r->comp)) {
        char ip[40];
        size_t l = strlen(r->pres1);
        memcpy(ip, r->pres1, l);
        if (r->pres2) {
          ip[l++] = ';';
          ip[l++] = r->pres2;
        }
        /* the token must outlive this function: keep it in the marker's own text */
        sfn_buf_add(&r->text, ip, l);
        if (r->text.oom) return sfn_jnf_oom(c);
        if (sfn_jnf_intpic(c, r->text.data, r->text.len, &r->fmt) != SFN_OK) return SFN_ERR;
        r->has_int = 1;
        if (r->wmin >= 0 && r->fmt.mandatory < r->wmin) r->fmt.mandatory = r->wmin;
        if (r->comp == 'Y') {
          if (r->wmax >= 0) {
            r->n = r->wmax;
            r->fmt.mandatory = r->n;
          } else if (r->fmt.mandatory + r->fmt.optional >= 2) {
            r->n = r->fmt.mandatory + r->fmt.optional;
          }
        }
      }
      if (r->comp == 'Z' || r->comp == 'z') {
        sfn_buf_adds(&r->text, r->pres1);
        if (r->text.oom) return sfn_jnf_oom(c);
        if (sfn_jnf_intpic(c, r->text.data, r->text.len, &r->fmt) != SFN_OK) return SFN_ERR;
        r->has_int = 1;
      }
      pos = close + 1;
      start = pos;
      continue;
    }
    pos++;
  }
  return add_literal(c, p, s, start, pos);
}

/* ---- formatting ---- */

static void add_name(sfn_buf *b, const char *name, int names, int wmax) {
  size_t i, n = strlen(name), start = b->len;
  if (wmax >= 0 && n > (size_t)wmax) n = (size_t)wmax;
  sfn_buf_add(b, name, n);
  if (b->oom) return;
  for (i = start; i < b->len; i++) {
    char ch = b->data[i];
    if (names == 1 + SFN_JNF_UPPER && ch >= 'a' && ch <= 'z') b->data[i] = (char)(ch - 32);
    if (names == 1 + SFN_JNF_LOWER && ch >= 'A' && ch <= 'Z') b->data[i] = (char)(ch + 32);
    if (names == 1 + SFN_JNF_TITLE && i == start && ch >= 'a' && ch <= 'z') b->data[i] = (char)(ch - 32);
  }
}

static int format_datetime(sfn_jn_call *c, sfn_buf *b, double ms, const char *pic, size_t plen, const char *tz,
                           size_t tzlen) {
  static const char iso[] = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";
  picture p;
  int oh = 0, om = 0, i, rc = SFN_OK;
  double t;
  if (tz) {
    /* parseInt(timezone): "+0100" -> 100 */
    size_t k = 0;
    int neg = 0;
    long v = 0;
    while (k < tzlen && (tz[k] == ' ' || tz[k] == '\t')) k++;
    if (k < tzlen && (tz[k] == '+' || tz[k] == '-')) neg = tz[k++] == '-';
    while (k < tzlen && tz[k] >= '0' && tz[k] <= '9' && v < 100000) v = v * 10 + (tz[k++] - '0');
    if (neg) v = -v;
    oh = (int)floor((double)v / 100);
    om = (int)(v % 100);
  }
  if (!pic) {
    pic = iso;
    plen = sizeof iso - 1;
  }
  if (analyse_picture(c, pic, plen, &p) != SFN_OK) {
    picture_free(&p);
    return SFN_ERR;
  }
  t = trunc(ms) + (double)(60 * oh + om) * 60000;
  for (i = 0; i < p.nparts && rc == SFN_OK; i++) {
    part *r = &p.parts[i];
    double v;
    if (r->literal) {
      sfn_buf_add(b, r->text.data, r->text.len);
      continue;
    }
    v = component(t, r->comp);
    if (strchr("YMDdFWwXxHhms", r->comp)) {
      if (r->comp == 'Y' && r->n != -1) v = fmod(v, pow(10, r->n));
      if (r->names) {
        if (r->comp == 'M' || r->comp == 'x') {
          add_name(b, month_names[((int)v + 11) % 12], r->names, r->wmax);
        } else if (r->comp == 'F') {
          add_name(b, day_names[(int)v], r->names, r->wmax);
        } else {
          char cs[2] = {r->comp, 0};
          rc = sfn_jnf_fail(c, "D3133",
                            "The 'name' modifier can only be applied to months and days in the date/time picture "
                            "string, not \"%s\"",
                            cs);
        }
      } else {
        rc = sfn_jnf_fmtint(c, b, v, &r->fmt);
      }
    } else if (r->comp == 'f') {
      rc = sfn_jnf_fmtint(c, b, v, &r->fmt);
    } else if (r->comp == 'Z' || r->comp == 'z') {
      int offset = oh * 100 + om;
      sfn_buf z;
      sfn_buf_init(&z);
      if (r->fmt.regular) {
        rc = sfn_jnf_fmtint(c, &z, offset, &r->fmt);
      } else if (r->fmt.mandatory == 1 || r->fmt.mandatory == 2) {
        rc = sfn_jnf_fmtint(c, &z, oh, &r->fmt);
        if (om != 0) sfn_buf_printf(&z, ":%02d", om < 0 ? -om : om);
      } else if (r->fmt.mandatory == 3 || r->fmt.mandatory == 4) {
        rc = sfn_jnf_fmtint(c, &z, offset, &r->fmt);
      } else {
        rc = sfn_jnf_fail(c, "D3134", "The timezone integer format specifier cannot have more than four digits");
      }
      if (rc == SFN_OK) {
        if (offset == 0 && r->pres2 == 't') {
          sfn_buf_addc(b, 'Z');
        } else {
          if (r->comp == 'z') sfn_buf_adds(b, "GMT");
          if (offset >= 0) sfn_buf_addc(b, '+');
          sfn_buf_add(b, z.data, z.len);
        }
      }
      sfn_buf_free(&z);
    } else if (r->comp == 'P') {
      add_name(b, v ? "pm" : "am", r->names ? r->names : 1 + SFN_JNF_LOWER, r->wmax);
    } else if (r->comp == 'C' || r->comp == 'E') {
      sfn_buf_adds(b, "ISO");
    }
  }
  picture_free(&p);
  if (rc == SFN_OK && b->oom) rc = sfn_jnf_oom(c);
  return rc;
}

static int from_millis(sfn_jn_call *c, sfn_value **out, double ms, int pi, int ti) {
  sfn_value *p = sfn_jnf_arg(c, pi), *tz = sfn_jnf_arg(c, ti);
  sfn_buf b;
  int has_p = p && sfn_type_of(p) == SFN_STRING, has_tz = tz && sfn_type_of(tz) == SFN_STRING;
  *out = NULL;
  if (!(fabs(ms) <= 8.64e15)) return SFN_OK; /* not a JavaScript Date */
  sfn_buf_init(&b);
  if (format_datetime(c, &b, ms, has_p ? sfn_str(p) : NULL, has_p ? sfn_strlen(p) : 0, has_tz ? sfn_str(tz) : NULL,
                      has_tz ? sfn_strlen(tz) : 0) != SFN_OK) {
    sfn_buf_free(&b);
    *out = NULL;
    return SFN_ERR;
  }
  return sfn_jnf_ret_buf(c, out, &b);
}

SFN_JNF(now) { return from_millis(c, out, (double)c->env->now_ms, 0, 1); }

SFN_JNF(millis) { return sfn_jnf_ret(c, out, sfn_jnf_number((double)c->env->now_ms)); }

SFN_JNF(fromMillis) {
  sfn_value *v = sfn_jnf_arg(c, 0);
  *out = NULL;
  if (!v || !sfn_is_number(v)) return SFN_OK;
  return from_millis(c, out, sfn_number(v), 1, 2);
}

/* ---- parsing ---- */

static int digits_at(const char *s, size_t n, size_t *i, int count, int *v) {
  int k;
  *v = 0;
  for (k = 0; k < count; k++) {
    if (*i >= n || s[*i] < '0' || s[*i] > '9') return 0;
    *v = *v * 10 + (s[(*i)++] - '0');
  }
  return 1;
}

/* ISO 8601 as JSONata accepts it (its regex, then Date.parse): 1 with *ms,
 * 0 when the text does not have the form, -1 when the form is right but the
 * values are not a date (JavaScript's NaN). */
static int parse_iso(const char *s, size_t n, double *ms) {
  size_t i = 0;
  int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, tzm = 0, v;
  double frac = 0;
  if (!digits_at(s, n, &i, 4, &y)) return 0;
  if (i < n && s[i] == '-') {
    i++;
    if (!digits_at(s, n, &i, 2, &mo)) return 0;
    if (i < n && s[i] == '-') {
      i++;
      if (!digits_at(s, n, &i, 2, &d)) return 0;
    }
  }
  if (i < n && s[i] == 'T') {
    i++;
    if (!digits_at(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || !digits_at(s, n, &i, 2, &mi) || i >= n ||
        s[i++] != ':' || !digits_at(s, n, &i, 2, &sec))
      return 0;
  }
  if (i < n && s[i] == '.') {
    double scale = 100;
    i++;
    if (i >= n || s[i] < '0' || s[i] > '9') return 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      frac += (s[i++] - '0') * scale;
      scale /= 10;
    }
    frac = floor(frac + 1e-9);
  }
  if (i < n && s[i] == 'Z') {
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    int neg = s[i++] == '-', th, tmin;
    if (!digits_at(s, n, &i, 2, &th)) return 0;
    if (i < n && s[i] == ':') i++;
    if (!digits_at(s, n, &i, 2, &tmin)) return 0;
    tzm = (th * 60 + tmin) * (neg ? -1 : 1);
  }
  if (i != n) return 0;
  v = mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 24 && mi <= 59 && sec <= 59;
  if (!v) return -1;
  *ms = utc_ms(y, mo - 1, d, h, mi, sec, frac) - tzm * 60000.0;
  return 1;
}

/* Escape regex syntax characters of a literal into b. */
static void regex_literal(sfn_buf *b, const char *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (strchr(".*+?^${}()|[]\\", s[i])) sfn_buf_addc(b, '\\');
    sfn_buf_addc(b, s[i]);
  }
}

static const char *const word_list[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "zeroth", "first", "second",
    "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
    "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twenty", "twentieth",
    "thirty", "thirtieth", "forty", "fortieth", "fifty", "fiftieth", "sixty", "sixtieth", "seventy", "seventieth",
    "eighty", "eightieth", "ninety", "ninetieth", "hundred", "hundredth", "thousand", "thousandth", "million",
    "millionth", "billion", "billionth", "trillion", "trillionth"};

/* The regex for one marker; SFN_ERR for names on other components. */
static int marker_regex(sfn_jn_call *c, sfn_buf *b, const part *r) {
  if (r->comp == 'Z' || r->comp == 'z') {
    if (r->comp == 'z') sfn_buf_adds(b, "GMT");
    sfn_buf_adds(b, "[-+][0-9]+");
    if (r->fmt.regular) {
      char sep[8];
      sfn_buf tmp;
      sfn_buf_init(&tmp);
      sfn_jnf_utf8_put(&tmp, r->fmt.seps[0].ch);
      regex_literal(b, tmp.data ? tmp.data : "", tmp.len);
      sfn_buf_free(&tmp);
      (void)sep;
      sfn_buf_adds(b, "[0-9]+");
    }
    return SFN_OK;
  }
  if (r->has_int) {
    const sfn_jnf_intfmt *f = &r->fmt;
    int upper = f->tcase == SFN_JNF_UPPER;
    size_t k;
    switch (f->primary) {
      case SFN_JNF_LETTERS: sfn_buf_adds(b, upper ? "[A-Z]+" : "[a-z]+"); break;
      case SFN_JNF_ROMAN: sfn_buf_adds(b, upper ? "[MDCLXVI]+" : "[mdclxvi]+"); break;
      case SFN_JNF_WORDS:
        sfn_buf_adds(b, "(?:");
        for (k = 0; k < sizeof word_list / sizeof word_list[0]; k++) {
          sfn_buf_adds(b, word_list[k]);
          sfn_buf_addc(b, '|');
        }
        sfn_buf_adds(b, "and|[\\-, ])+");
        break;
      case SFN_JNF_DECIMAL:
        if (r->comp == 'Y' && r->n > 0)
          sfn_buf_printf(b, "[0-9]{%d}", r->n);
        else if (r->comp != 'Y' && f->mandatory > 1)
          sfn_buf_printf(b, "[0-9]{%d}", f->mandatory);
        else
          sfn_buf_adds(b, "[0-9]+");
        if (f->ordinal) sfn_buf_adds(b, "(?:th|st|nd|rd)");
        break;
      default: {
        sfn_buf t;
        sfn_buf_init(&t);
        (void)sfn_jnf_fmtint(c, &t, 0, f);
        sfn_buf_free(&t);
        return SFN_ERR;
      }
    }
    return SFN_OK;
  }
  if (r->comp == 'M' || r->comp == 'x' || r->comp == 'F' || r->comp == 'P') {
    sfn_buf_adds(b, "[a-zA-Z]+");
    return SFN_OK;
  }
  {
    char cs[2] = {r->comp, 0};
    return sfn_jnf_fail(c, "D3133",
                        "The 'name' modifier can only be applied to months and days in the date/time picture "
                        "string, not \"%s\"",
                        cs);
  }
}

/* A name (month, day, am/pm) to its number, or NAN. */
static double name_value(const part *r, const char *s, size_t n) {
  int k;
  if (r->comp == 'P') {
    if (n == 2 && (s[0] == 'a' || s[0] == 'A') && (s[1] == 'm' || s[1] == 'M') && s[0] == (s[1] == 'm' ? 'a' : 'A'))
      return 0;
    if (n == 2 && (s[0] == 'p' || s[0] == 'P') && (s[1] == 'm' || s[1] == 'M') && s[0] == (s[1] == 'm' ? 'p' : 'P'))
      return 1;
    return NAN;
  }
  for (k = 0; k < (r->comp == 'F' ? 7 : 12); k++) {
    const char *name = r->comp == 'F' ? day_names[k + 1] : month_names[k];
    size_t l = strlen(name);
    if (r->wmax > 0 && l > (size_t)r->wmax) l = (size_t)r->wmax;
    if (l == n && memcmp(name, s, n) == 0) return k + 1;
  }
  return NAN;
}

/* Component index in "YXMxWwdDFPHhmsfZ" order. */
static int comp_index(char comp) {
  const char *order = "YXMxWwdDFPHhmsfZ", *q = strchr(order, comp == 'z' ? 'Z' : comp);
  return q && comp ? (int)(q - order) : -1;
}

static int parse_datetime(sfn_jn_call *c, sfn_value **out, const char *s, size_t n, const char *pic, size_t plen) {
  picture p;
  sfn_buf re;
  sfn_jn_regex *rx = NULL;
  double val[16];
  int have[16], i, rc = SFN_OK, any = 0, g = 0, r;
  size_t ms, me;
  long groups[SFN_JN_MAX_GROUPS][2];
  int ng;
  *out = NULL;
  sfn_buf_init(&re);
  if (analyse_picture(c, pic, plen, &p) != SFN_OK) {
    rc = SFN_ERR;
    goto done;
  }
  if (p.nparts > SFN_JN_MAX_GROUPS) {
    rc = sfn_jnf_fail(c, "D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
    goto done;
  }
  sfn_buf_addc(&re, '^');
  for (i = 0; i < p.nparts; i++) {
    sfn_buf_addc(&re, '(');
    if (p.parts[i].literal)
      regex_literal(&re, p.parts[i].text.data, p.parts[i].text.len);
    else if (marker_regex(c, &re, &p.parts[i]) != SFN_OK) {
      rc = SFN_ERR;
      goto done;
    }
    sfn_buf_addc(&re, ')');
  }
  sfn_buf_addc(&re, '$');
  if (re.oom) {
    rc = sfn_jnf_oom(c);
    goto done;
  }
  rx = sfn_jn_regex_compile(re.data, re.len, "i", c->err);
  if (!rx) {
    rc = SFN_ERR;
    goto done;
  }
  r = sfn_jn_regex_exec(rx, s, n, 0, &ms, &me, groups, &ng, c->err);
  if (r < 0) {
    rc = SFN_ERR;
    goto done;
  }
  if (r == 0) goto done; /* undefined */
  for (i = 0; i < 16; i++) have[i] = 0, val[i] = 0;
  for (i = 0; i < p.nparts; i++, g++) {
    const part *pt = &p.parts[i];
    const char *t = s + groups[g][0];
    size_t tl = (size_t)(groups[g][1] - groups[g][0]);
    double v;
    int ci;
    if (pt->literal) continue;
    ci = comp_index(pt->comp);
    if (pt->comp == 'Z' || pt->comp == 'z') {
      /* offset in minutes */
      size_t k = pt->comp == 'z' ? 3 : 0;
      int sign = (k < tl && t[k] == '-') ? -1 : 1;
      double hh = 0, mm = 0;
      k++;
      if (pt->fmt.regular) {
        while (k < tl && t[k] >= '0' && t[k] <= '9') hh = hh * 10 + (t[k++] - '0');
        while (k < tl && (t[k] < '0' || t[k] > '9')) k++;
        while (k < tl && t[k] >= '0' && t[k] <= '9') mm = mm * 10 + (t[k++] - '0');
      } else if (tl - (pt->comp == 'z' ? 3 : 0) - 1 <= 2) {
        while (k < tl) hh = hh * 10 + (t[k++] - '0');
      } else {
        size_t hend = k + 2;
        while (k < hend && k < tl) hh = hh * 10 + (t[k++] - '0');
        while (k < tl) mm = mm * 10 + (t[k++] - '0');
      }
      v = sign * (hh * 60 + mm);
    } else if (pt->has_int) {
      if (!sfn_jnf_parseint(&pt->fmt, t, tl, &v)) v = NAN;
    } else {
      v = name_value(pt, t, tl);
    }
    if (ci < 0 || v != v) continue;
    val[ci] = v;
    have[ci] = 1;
    any = 1;
  }
  if (!any) goto done;
  {
    /* which date and time forms are present (JSONata's rules) */
    int mask = 0, k, dateA, dateB, dateC, dateD, timeA, timeB;
    const char *dcomps, *tcomps;
    char comps[16];
    int started = 0, ended = 0;
    for (k = 0; k < 8; k++) mask = (mask << 1) | have[k]; /* Y X M x W w d D */
#define IS_TYPE(t) (!(~(t)&mask) && ((t)&mask))
    dateA = IS_TYPE(161);
    dateB = !dateA && IS_TYPE(130);
    dateC = IS_TYPE(84);
    dateD = !dateC && IS_TYPE(72);
    mask = 0;
    for (k = 9; k < 15; k++) mask = (mask << 1) | have[k]; /* P H h m s f */
    timeA = IS_TYPE(23);
    timeB = !timeA && IS_TYPE(47);
#undef IS_TYPE
    dcomps = dateB ? "Yd" : dateC ? "XxwF" : dateD ? "XWF" : "YMD";
    tcomps = timeB ? "Phmsf" : "Hmsf";
    snprintf(comps, sizeof comps, "%s%s", dcomps, tcomps);
    for (k = 0; comps[k]; k++) {
      int ci = comp_index(comps[k]);
      if (!have[ci]) {
        if (started) {
          val[ci] = strchr("MDd", comps[k]) ? 1 : 0;
          ended = 1;
        } else {
          val[ci] = component((double)c->env->now_ms, comps[k]);
        }
        have[ci] = 1;
      } else {
        started = 1;
        if (ended) {
          rc = sfn_jnf_fail(c, "D3136",
                            "The date/time picture string is missing specifiers required to parse the timestamp");
          goto done;
        }
      }
    }
    if (dateC || dateD) {
      rc = sfn_jnf_fail(c, "D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
      goto done;
    }
    {
      double Y = val[0], M0 = val[2] > 0 ? val[2] - 1 : 0, D = val[7], H = val[10], result;
      if (dateB) {
        civil cv;
        civil_from_ms(utc_ms(Y, 0, 1, 0, 0, 0, 0) + (val[6] - 1) * DAY_MS, &cv);
        M0 = cv.month - 1;
        D = cv.day;
      }
      if (timeB) {
        H = val[11] == 12 ? 0 : val[11];
        if (val[9] == 1) H += 12;
      }
      result = utc_ms(Y, M0, D, H, val[12], val[13], val[14]);
      if (have[15]) result -= val[15] * 60000;
      rc = sfn_jnf_ret(c, out, sfn_jnf_number(result));
    }
  }
done:
  sfn_jn_regex_free(rx);
  sfn_buf_free(&re);
  picture_free(&p);
  return rc;
}

SFN_JNF(toMillis) {
  sfn_value *v = sfn_jnf_arg(c, 0), *p = sfn_jnf_arg(c, 1);
  double ms;
  int r;
  *out = NULL;
  if (!v || sfn_type_of(v) != SFN_STRING) return SFN_OK;
  if (p && sfn_type_of(p) == SFN_STRING) return parse_datetime(c, out, sfn_str(v), sfn_strlen(v), sfn_str(p), sfn_strlen(p));
  r = parse_iso(sfn_str(v), sfn_strlen(v), &ms);
  if (r == 0) {
    sfn_buf m;
    int rc;
    sfn_buf_init(&m);
    sfn_jnf_msg_value(&m, v);
    rc = sfn_jnf_fail(c, "D3110",
                      "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given %.*s",
                      (int)m.len, m.data ? m.data : "");
    sfn_buf_free(&m);
    return rc;
  }
  if (r < 0) return SFN_OK;
  return sfn_jnf_ret(c, out, sfn_jnf_number(ms));
}
