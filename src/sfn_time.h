/*
 * sfn_time.h: ISO 8601 / RFC 3339 timestamps as ASL uses them (Wait
 * Timestamp, Timestamp* Choice rules, history and context timestamps).
 * Times are milliseconds since the Unix epoch, UTC.
 */
#ifndef SFN_TIME_H
#define SFN_TIME_H

#include "sfn_core.h"

/* Parse an RFC 3339 timestamp (as AWS accepts it: 'T' separator, 'Z' or a
 * numeric offset, optional fraction).  SFN_OK with *ms, or SFN_ERR. */
int sfn_time_parse(const char *s, size_t len, int64_t *ms);

/* Format as AWS formats $$ timestamps: 2024-01-01T12:00:00.123Z.
 * buf must hold at least 32 bytes.  Returns the length. */
size_t sfn_time_format(int64_t ms, char *buf);

#endif
