/*
 * sfn_regex.h: a small backtracking regular-expression matcher for JSONPath
 * filters (`[?(@.name =~ /a.*z/i)]`), which AWS evaluates with Java's
 * Pattern.matcher(s).matches(): the whole string must match.
 *
 * Supported: literals, `.`, classes `[a-z]` `[^...]`, escapes \d \w \s \D
 * \W \S and escaped punctuation, groups `(...)` `(?:...)`, alternation `|`,
 * quantifiers * + ? {m} {m,} {m,n} (a trailing `?` or `+` is accepted and
 * matched greedily), anchors ^ $.  Matching is on bytes; `.` and negated
 * classes consume a whole UTF-8 sequence.  Case folding (flag i) is ASCII.
 */
#ifndef SFN_REGEX_H
#define SFN_REGEX_H

#include "sfn_core.h"

/* 1 when pattern matches all of s, 0 when not, -1 when the pattern is
 * invalid or matching exceeded its step budget. */
int sfn_regex_match(const char *pattern, size_t plen, int icase, const char *s, size_t slen);

#endif
