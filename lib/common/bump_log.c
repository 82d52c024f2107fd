/* SPDX-License-Identifier: MIT */
#include "bump_log.h"
#include "bump_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bump_log_fn log_fn;
static void *log_arg;
static _Atomic int log_level = BUMP_LOG_INFO;
static __thread char last_error[512];

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void bump_log_set_handler(bump_log_fn fn, void *arg)
{
	pthread_mutex_lock(&log_lock);
	log_fn = fn;
	log_arg = arg;
	pthread_mutex_unlock(&log_lock);
}

void bump_log_set_level(enum bump_log_level level)
{
	atomic_store(&log_level, level);
}

static void log_emit(enum bump_log_level level, const char *msg)
{
	if ((int)level > atomic_load(&log_level))
		return;
	pthread_mutex_lock(&log_lock);
	if (log_fn)
		log_fn(level, msg, log_arg);
	else
		fprintf(stderr, "bump: %s: %s\n", level_names[level], msg);
	pthread_mutex_unlock(&log_lock);
}

void bump_log(enum bump_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(level, msg);
}

static int error_v(enum bump_log_level level, int err, const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	log_emit(level, last_error);
	return -err;
}

int bump_error(int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = error_v(BUMP_LOG_ERR, err, fmt, ap);
	va_end(ap);
	return ret;
}

int bump_error_at(enum bump_log_level level, int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = error_v(level, err, fmt, ap);
	va_end(ap);
	return ret;
}

const char *bump_last_error(void)
{
	return last_error;
}

void bump_clear_error(void)
{
	last_error[0] = '\0';
}

uint64_t bump_time_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
