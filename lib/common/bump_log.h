/* SPDX-License-Identifier: MIT */
/*
 * bump_log.h - logging and error reporting shared by all bump libraries.
 *
 * Every failing bump function returns a negative errno and leaves a message
 * for the calling thread that says what went wrong and what to do about it:
 * read it with bump_last_error().  Errors and warnings are also logged
 * through the log handler (stderr by default), as DPDK's RTE_LOG does.
 */
#ifndef BUMP_LOG_H
#define BUMP_LOG_H

#include "bump_api.h"

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

enum bump_log_level {
	BUMP_LOG_ERR = 0,
	BUMP_LOG_WARN = 1,
	BUMP_LOG_INFO = 2,
	BUMP_LOG_DEBUG = 3,
};

typedef void (*bump_log_fn)(enum bump_log_level level, const char *msg, void *arg);

/* Route log lines to @fn (NULL restores the default: "bump: ..." on stderr). */
BUMP_API void bump_log_set_handler(bump_log_fn fn, void *arg);
/* Drop lines less important than @level (default BUMP_LOG_INFO). */
BUMP_API void bump_log_set_level(enum bump_log_level level);

BUMP_API void bump_log(enum bump_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Record @fmt as the calling thread's last error, log it at BUMP_LOG_ERR and
 * return -@err, so that a failing path reads: return bump_error(ENOMEM, ...).
 */
BUMP_API int bump_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As bump_error(), but logged at @level (a rejected put is a warning). */
BUMP_API int bump_error_at(enum bump_log_level level, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The calling thread's last error message ("" if none). */
BUMP_API const char *bump_last_error(void);
BUMP_API void bump_clear_error(void);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_LOG_H */
