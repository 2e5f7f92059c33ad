/*
 * sfn_time.h: ISO 8601 / RFC 3339 timestamps as ASL uses them (Wait
 * Timestamp, Timestamp* Choice rules, history and context timestamps).
 * Times are milliseconds since the Unix epoch, UTC.
 *
 * Accepted input is what AWS calls "ISO-8601 extended offset date-time":
 *   YYYY-MM-DD 'T' hh:mm[:ss[.f{0,9}]] ( 'Z' | +hh | +hh:mm | +hh:mm:ss )
 * with 'T' and 'Z' in either case, a real calendar date (Feb 29 only in leap
 * years), hour 00-23, minute and second 00-59, offsets up to +-18:00.
 * Rejected: a space instead of 'T', no zone, month 13, hour 25, more than 9
 * fraction digits, leading/trailing blanks.  No libc time functions are
 * used: the date arithmetic is days-from-civil.
 */
#ifndef SFN_TIME_H
#define SFN_TIME_H

#include "sfn_core.h"

/* Parse an RFC 3339 timestamp (as AWS accepts it: 'T' separator, 'Z' or a
 * numeric offset, optional fraction).  SFN_OK with *ms (fraction truncated
 * toward the past), or SFN_ERR. */
int sfn_time_parse(const char *s, size_t len, int64_t *ms);

/* The same, at full precision: *sec since the epoch and *nsec (0..999999999).
 * Choice Timestamp* rules compare at this precision. */
int sfn_time_parse_ns(const char *s, size_t len, int64_t *sec, int32_t *nsec);

/* Format as AWS formats $$ timestamps: 2024-01-01T12:00:00.123Z (always
 * three fraction digits).  buf must hold at least 32 bytes.  Returns the
 * length. */
size_t sfn_time_format(int64_t ms, char *buf);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t sfn_time_days_from_civil(int64_t y, int m, int d);

#endif
