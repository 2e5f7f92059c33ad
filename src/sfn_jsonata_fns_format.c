/*
 * sfn_jsonata_fns_format.c: JSONata's $formatNumber: XPath F&O 4.7 picture
 * strings ("#,##0.00", "0.0e0", "00%", two sub-pictures, options that rename
 * the special characters), as JSONata implements them, quirks included.
 * ($formatBase, $formatInteger and $parseInteger: sfn_jsonata_fns_integer.c.)
 */
#include "sfn_jsonata_fns_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


/* ---- $formatNumber ---- */

enum { P_DEC, P_GRP, P_EXP, P_INF, P_MINUS, P_NAN, P_PCT, P_PERMILLE, P_ZERO, P_DIGIT, P_PATSEP, NPROPS };
static const char *const prop_names[NPROPS] = {"decimal-separator", "grouping-separator", "exponent-separator",
                                               "infinity", "minus-sign", "NaN", "percent", "per-mille",
                                               "zero-digit", "digit", "pattern-separator"};
static const char *const prop_defaults[NPROPS] = {".", ",", "e", "Infinity", "-", "NaN", "%", "\xE2\x80\xB0",
                                                  "0", "#", ";"};

typedef struct fmtctx {
  sfn_jnf_u32s prop[NPROPS];
  uint32_t zero;
} fmtctx;

static int is_family(const fmtctx *x, uint32_t ch) { return ch >= x->zero && ch <= x->zero + 9; }

/* One-character property p equals ch. */
static int prop_is(const fmtctx *x, int p, uint32_t ch) { return x->prop[p].n == 1 && x->prop[p].p[0] == ch; }

static int is_active(const fmtctx *x, uint32_t ch) {
  return is_family(x, ch) || prop_is(x, P_DEC, ch) || prop_is(x, P_EXP, ch) || prop_is(x, P_GRP, ch) ||
         prop_is(x, P_DIGIT, ch) || prop_is(x, P_PATSEP, ch);
}

typedef struct subpic {
  const uint32_t *p;
  size_t n;
  size_t prefix, suffix; /* lengths */
  const uint32_t *active, *mant, *exp, *ip, *fp;
  size_t nactive, nmant, nexp, nip, nfp;
  int has_exp;
  /* analysis */
  int igp[64], nigp, fgp[64], nfgp, regular, min_int, scaling, min_frac, max_frac, min_exp;
  sfn_jnf_u32s prefix_text;
} subpic;

static long find_prop(const fmtctx *x, const uint32_t *p, size_t n, int prop, size_t from) {
  return sfn_jnf_u32_find(p, n, x->prop[prop].p, x->prop[prop].n, from);
}

static void split_parts(const fmtctx *x, subpic *s) {
  size_t i, n = s->n;
  long epos, dpos;
  s->prefix = n;
  for (i = 0; i < n; i++)
    if (is_active(x, s->p[i]) && !prop_is(x, P_EXP, s->p[i])) {
      s->prefix = i;
      break;
    }
  s->suffix = 0;
  for (i = n; i-- > 0;)
    if (is_active(x, s->p[i]) && !prop_is(x, P_EXP, s->p[i])) {
      s->suffix = n - i - 1;
      break;
    }
  if (s->prefix + s->suffix > n) s->suffix = n - s->prefix;
  s->active = s->p + s->prefix;
  s->nactive = n - s->prefix - s->suffix;
  epos = find_prop(x, s->p, n, P_EXP, s->prefix);
  if (epos < 0 || (size_t)epos > n - s->suffix) {
    s->mant = s->active;
    s->nmant = s->nactive;
    s->has_exp = 0;
  } else {
    /* as JSONata does: the picture's index used within the active part */
    size_t e = (size_t)epos < s->nactive ? (size_t)epos : s->nactive;
    s->mant = s->active;
    s->nmant = e;
    s->exp = s->active + (e + 1 < s->nactive ? e + 1 : s->nactive);
    s->nexp = e + 1 < s->nactive ? s->nactive - e - 1 : 0;
    s->has_exp = 1;
  }
  dpos = find_prop(x, s->mant, s->nmant, P_DEC, 0);
  if (dpos < 0) {
    s->ip = s->mant;
    s->nip = s->nmant;
    s->fp = s->p + n - s->suffix;
    s->nfp = s->suffix;
  } else {
    s->ip = s->mant;
    s->nip = (size_t)dpos;
    s->fp = s->mant + dpos + 1;
    s->nfp = s->nmant - (size_t)dpos - 1;
  }
}

static const char *validate(const fmtctx *x, const subpic *s) {
  const char *e = NULL;
  const uint32_t *p = s->p;
  size_t n = s->n, i;
  long dpos = find_prop(x, p, n, P_DEC, 0), k;
  int valid = 0;
  if (dpos != sfn_jnf_u32_rfind(p, n, x->prop[P_DEC].p, x->prop[P_DEC].n)) e = "D3081";
  if (find_prop(x, p, n, P_PCT, 0) != sfn_jnf_u32_rfind(p, n, x->prop[P_PCT].p, x->prop[P_PCT].n)) e = "D3082";
  if (find_prop(x, p, n, P_PERMILLE, 0) != sfn_jnf_u32_rfind(p, n, x->prop[P_PERMILLE].p, x->prop[P_PERMILLE].n)) e = "D3083";
  if (find_prop(x, p, n, P_PCT, 0) >= 0 && find_prop(x, p, n, P_PERMILLE, 0) >= 0) e = "D3084";
  for (i = 0; i < s->nmant; i++)
    if (is_family(x, s->mant[i]) || prop_is(x, P_DIGIT, s->mant[i])) valid = 1;
  if (!valid) e = "D3085";
  for (i = 0; i < s->nactive; i++)
    if (!is_active(x, s->active[i])) e = "D3086";
  if (dpos >= 0) {
    if ((dpos > 0 && prop_is(x, P_GRP, p[dpos - 1])) || ((size_t)dpos + 1 < n && prop_is(x, P_GRP, p[dpos + 1])))
      e = "D3087";
  } else if (s->nip > 0 && prop_is(x, P_GRP, s->ip[s->nip - 1])) {
    e = "D3088";
  }
  for (i = 0; i + 1 < n; i++)
    if (prop_is(x, P_GRP, p[i]) && prop_is(x, P_GRP, p[i + 1])) e = "D3089";
  k = -1;
  for (i = 0; i < s->nip; i++)
    if (prop_is(x, P_DIGIT, s->ip[i])) {
      k = (long)i;
      break;
    }
  if (k >= 0)
    for (i = 0; i < (size_t)k; i++)
      if (is_family(x, s->ip[i])) e = "D3090";
  k = -1;
  for (i = s->nfp; i-- > 0;)
    if (prop_is(x, P_DIGIT, s->fp[i])) {
      k = (long)i;
      break;
    }
  if (k >= 0)
    for (i = (size_t)k; i < s->nfp; i++)
      if (is_family(x, s->fp[i])) e = "D3091";
  if (s->has_exp && s->nexp > 0 && (find_prop(x, p, n, P_PCT, 0) >= 0 || find_prop(x, p, n, P_PERMILLE, 0) >= 0))
    e = "D3092";
  if (s->has_exp) {
    int bad = s->nexp == 0;
    for (i = 0; i < s->nexp; i++)
      if (!is_family(x, s->exp[i])) bad = 1;
    if (bad) e = "D3093";
  }
  return e;
}

static int count_digits(const fmtctx *x, const uint32_t *p, size_t n, int with_optional) {
  size_t i;
  int c = 0;
  for (i = 0; i < n; i++)
    if (is_family(x, p[i]) || (with_optional && prop_is(x, P_DIGIT, p[i]))) c++;
  return c;
}

static void analyse(const fmtctx *x, subpic *s) {
  long gp;
  s->nigp = s->nfgp = 0;
  /* grouping positions in the integer part: digits to their right */
  gp = find_prop(x, s->ip, s->nip, P_GRP, 0);
  while (gp >= 0 && s->nigp < 64) {
    s->igp[s->nigp++] = count_digits(x, s->ip + gp, s->nip - (size_t)gp, 1);
    gp = find_prop(x, s->ip, s->nip, P_GRP, (size_t)gp + 1);
  }
  s->regular = 0;
  if (s->nigp > 0) {
    int g = s->igp[0], j, ok = 1;
    for (j = 1; j < s->nigp; j++) {
      int a = g, b = s->igp[j];
      while (b) {
        int t = a % b;
        a = b;
        b = t;
      }
      g = a;
    }
    for (j = 1; ok && j <= s->nigp; j++) {
      int k, found = 0;
      for (k = 0; k < s->nigp; k++)
        if (s->igp[k] == j * g) found = 1;
      if (!found) ok = 0;
    }
    if (ok) s->regular = g;
  }
  /* in the fractional part: digits to their left (JSONata continues the
   * search through the integer part's indexes, a quirk kept here) */
  gp = find_prop(x, s->fp, s->nfp, P_GRP, 0);
  while (gp >= 0 && s->nfgp < 64) {
    s->fgp[s->nfgp++] = count_digits(x, s->fp, (size_t)gp < s->nfp ? (size_t)gp : s->nfp, 1);
    gp = find_prop(x, s->ip, s->nip, P_GRP, (size_t)gp + 1);
  }
  s->min_int = count_digits(x, s->ip, s->nip, 0);
  s->scaling = s->min_int;
  s->min_frac = count_digits(x, s->fp, s->nfp, 0);
  s->max_frac = count_digits(x, s->fp, s->nfp, 1);
  if (s->min_int == 0 && s->max_frac == 0) {
    if (s->has_exp) {
      s->min_frac = 1;
      s->max_frac = 1;
    } else {
      s->min_int = 1;
    }
  }
  if (s->has_exp && s->min_int == 0) {
    size_t i;
    for (i = 0; i < s->nip; i++)
      if (prop_is(x, P_DIGIT, s->ip[i])) s->min_int = 1;
  }
  if (s->min_int == 0 && s->min_frac == 0) s->min_frac = 1;
  s->min_exp = s->has_exp ? count_digits(x, s->exp, s->nexp, 0) : 0;
}

/* |value| with dp decimals, in the zero digit's family; '.' kept. */
static void make_string(const fmtctx *x, sfn_jnf_u32s *u, double value, int dp) {
  char tmp[400];
  int n, i;
  if (dp > 100) dp = 100;
  n = snprintf(tmp, sizeof tmp, "%.*f", dp, fabs(value));
  for (i = 0; i < n && i < (int)sizeof tmp - 1; i++) {
    char ch = tmp[i];
    if (ch >= '0' && ch <= '9')
      sfn_jnf_u32_addc(u, x->zero + (uint32_t)(ch - '0'));
    else
      sfn_jnf_u32_addc(u, '.');
  }
}

SFN_JNF(formatNumber) {
  sfn_value *v = sfn_jnf_arg(c, 0), *pic = sfn_jnf_arg(c, 1), *opts = sfn_jnf_arg(c, 2);
  fmtctx x;
  sfn_jnf_u32s picture = {NULL, 0, 0, 0}, sv = {NULL, 0, 0, 0};
  subpic subs[2];
  int nsub = 0, k, rc = SFN_ERR;
  const char *err = NULL;
  double value, adjusted, mantissa, rounded;
  int exponent = 0, has_exponent = 0;
  subpic *pc;
  long dpos;
  size_t i, start;
  *out = NULL;
  if (!v || !sfn_is_number(v) || !pic || sfn_type_of(pic) != SFN_STRING) return SFN_OK;
  memset(&x, 0, sizeof x);
  memset(subs, 0, sizeof subs);
  for (k = 0; k < NPROPS; k++) {
    sfn_value *o = opts && sfn_type_of(opts) == SFN_OBJECT ? sfn_object_gets(opts, prop_names[k]) : NULL;
    if (o && sfn_type_of(o) == SFN_STRING)
      sfn_jnf_u32_from_utf8(&x.prop[k], sfn_str(o), sfn_strlen(o));
    else
      sfn_jnf_u32_from_utf8(&x.prop[k], prop_defaults[k], strlen(prop_defaults[k]));
  }
  x.zero = x.prop[P_ZERO].n ? x.prop[P_ZERO].p[0] : '0';
  sfn_jnf_u32_from_utf8(&picture, sfn_str(pic), sfn_strlen(pic));
  for (k = 0; k < NPROPS; k++)
    if (x.prop[k].oom) picture.oom = 1;
  if (picture.oom) {
    rc = sfn_jnf_oom(c);
    goto done;
  }
  /* sub-pictures */
  start = 0;
  for (;;) {
    long sep = x.prop[P_PATSEP].n ? find_prop(&x, picture.p, picture.n, P_PATSEP, start) : -1;
    size_t end = sep < 0 ? picture.n : (size_t)sep;
    if (nsub == 2) {
      rc = sfn_jnf_fail(c, "D3080", "The picture string must only contain a maximum of two sub-pictures");
      goto done;
    }
    subs[nsub].p = picture.p + start;
    subs[nsub].n = end - start;
    nsub++;
    if (sep < 0) break;
    start = (size_t)sep + x.prop[P_PATSEP].n;
  }
  for (k = 0; k < nsub; k++) split_parts(&x, &subs[k]);
  for (k = 0; k < nsub && !err; k++) err = validate(&x, &subs[k]);
  if (err) {
    static const struct {
      const char *code, *msg;
    } msgs[] = {
        {"D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character"},
        {"D3082", "The sub-picture must not contain more than one instance of the 'percent' character"},
        {"D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character"},
        {"D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"},
        {"D3085", "The mantissa part of a sub-picture must contain at least one character that is either an "
                  "'optional digit character' or a member of the 'decimal digit family'"},
        {"D3086", "The sub-picture must not contain a passive character that is preceded by an active character "
                  "and that is followed by another active character"},
        {"D3087", "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a "
                  "'decimal-separator' character"},
        {"D3088", "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"},
        {"D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"},
        {"D3090", "The integer part of the sub-picture must not contain a member of the 'decimal digit family' "
                  "that is followed by an instance of the 'optional digit character'"},
        {"D3091", "The fractional part of the sub-picture must not contain an instance of the 'optional digit "
                  "character' that is followed by a member of the 'decimal digit family'"},
        {"D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character "
                  "treated as an 'exponent-separator'"},
        {"D3093", "The exponent part of the sub-picture must comprise only of one or more characters that are "
                  "members of the 'decimal digit family'"},
    };
    for (k = 0; k < (int)(sizeof msgs / sizeof msgs[0]); k++)
      if (strcmp(msgs[k].code, err) == 0) rc = sfn_jnf_fail(c, err, "%s", msgs[k].msg);
    goto done;
  }
  for (k = 0; k < nsub; k++) analyse(&x, &subs[k]);
  for (k = 0; k < nsub; k++) {
    sfn_jnf_u32_add(&subs[k].prefix_text, subs[k].p, subs[k].prefix);
  }
  if (nsub == 1) {
    subs[1] = subs[0];
    memset(&subs[1].prefix_text, 0, sizeof subs[1].prefix_text);
    sfn_jnf_u32_add(&subs[1].prefix_text, x.prop[P_MINUS].p, x.prop[P_MINUS].n);
    sfn_jnf_u32_add(&subs[1].prefix_text, subs[0].p, subs[0].prefix);
  }
  value = sfn_number(v);
  pc = value >= 0 ? &subs[0] : &subs[1];
  if (find_prop(&x, pc->p, pc->n, P_PCT, 0) >= 0)
    adjusted = value * 100;
  else if (find_prop(&x, pc->p, pc->n, P_PERMILLE, 0) >= 0)
    adjusted = value * 1000;
  else
    adjusted = value;
  if (pc->min_exp == 0) {
    mantissa = adjusted;
  } else {
    double maxm = pow(10, pc->scaling), minm = pow(10, pc->scaling - 1);
    int guard = 0;
    mantissa = adjusted;
    has_exponent = 1;
    while (mantissa < minm && guard++ < 400) {
      mantissa *= 10;
      exponent -= 1;
    }
    while (mantissa > maxm && guard++ < 800) {
      mantissa /= 10;
      exponent += 1;
    }
  }
  rounded = sfn_jnf_round(mantissa, pc->max_frac);
  make_string(&x, &sv, rounded, pc->max_frac);
  /* the '.' becomes the decimal separator (appended when there is none) */
  dpos = -1;
  for (i = 0; i < sv.n; i++)
    if (sv.p[i] == '.') dpos = (long)i;
  if (dpos < 0) {
    sfn_jnf_u32_add(&sv, x.prop[P_DEC].p, x.prop[P_DEC].n);
  } else {
    sfn_jnf_u32_remove(&sv, (size_t)dpos, 1);
    sfn_jnf_u32_insert(&sv, (size_t)dpos, x.prop[P_DEC].p, x.prop[P_DEC].n);
  }
  while (sv.n > 0 && sv.p[0] == x.zero) sfn_jnf_u32_remove(&sv, 0, 1);
  while (sv.n > 0 && sv.p[sv.n - 1] == x.zero) sv.n--;
  {
    long dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    long padl = pc->min_int - dp, padr = pc->min_frac - ((long)sv.n - dp - 1);
    for (; padl > 0; padl--) sfn_jnf_u32_insert(&sv, 0, &x.zero, 1);
    for (; padr > 0; padr--) sfn_jnf_u32_addc(&sv, x.zero);
    dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    if (pc->regular > 0) {
      long groups = (dp - 1) / pc->regular, g;
      for (g = 1; g <= groups; g++) {
        long at = dp - g * pc->regular;
        if (at >= 0) sfn_jnf_u32_insert(&sv, (size_t)at, x.prop[P_GRP].p, x.prop[P_GRP].n);
      }
    } else {
      for (k = 0; k < pc->nigp; k++) {
        long at = dp - pc->igp[k];
        if (at >= 0 && (size_t)at <= sv.n) sfn_jnf_u32_insert(&sv, (size_t)at, x.prop[P_GRP].p, x.prop[P_GRP].n);
        dp++;
      }
    }
    dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    for (k = 0; k < pc->nfgp; k++) {
      long at = pc->fgp[k] + dp + 1;
      if (at >= 0 && (size_t)at <= sv.n) sfn_jnf_u32_insert(&sv, (size_t)at, x.prop[P_GRP].p, x.prop[P_GRP].n);
    }
    dp = find_prop(&x, sv.p, sv.n, P_DEC, 0);
    if (find_prop(&x, pc->p, pc->n, P_DEC, 0) < 0 || dp == (long)sv.n - 1) {
      if (sv.n > 0) sv.n--;
    }
  }
  if (has_exponent) {
    sfn_jnf_u32s ex = {NULL, 0, 0, 0};
    long padl;
    make_string(&x, &ex, exponent, 0);
    padl = pc->min_exp - (long)ex.n;
    for (; padl > 0; padl--) sfn_jnf_u32_insert(&ex, 0, &x.zero, 1);
    sfn_jnf_u32_add(&sv, x.prop[P_EXP].p, x.prop[P_EXP].n);
    if (exponent < 0) sfn_jnf_u32_add(&sv, x.prop[P_MINUS].p, x.prop[P_MINUS].n);
    sfn_jnf_u32_add(&sv, ex.p, ex.n);
    if (ex.oom) sv.oom = 1;
    sfn_jnf_u32_free(&ex);
  }
  sfn_jnf_u32_insert(&sv, 0, pc->prefix_text.p, pc->prefix_text.n);
  sfn_jnf_u32_add(&sv, pc->p + pc->n - pc->suffix, pc->suffix);
  if (sv.oom) {
    rc = sfn_jnf_oom(c);
  } else {
    sfn_buf b;
    sfn_buf_init(&b);
    sfn_jnf_u32_to_buf(&b, sv.p, sv.n);
    rc = sfn_jnf_ret_buf(c, out, &b);
  }
done:
  for (k = 0; k < NPROPS; k++) sfn_jnf_u32_free(&x.prop[k]);
  sfn_jnf_u32_free(&subs[0].prefix_text);
  sfn_jnf_u32_free(&subs[1].prefix_text);
  sfn_jnf_u32_free(&picture);
  sfn_jnf_u32_free(&sv);
  return rc;
}
