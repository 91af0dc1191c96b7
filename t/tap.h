/*
 * Minimal TAP producer for the C unit tests (t/00unit-*.c).
 * Header-only so each test is one file.
 */
#ifndef HEARTH_TAP_H
#define HEARTH_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int
tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static void
tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
tap_diag(const char *fmt, ...)
{
	va_list	ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define tap_is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!tap_ok(g_ == w_, __VA_ARGS__))				\
		tap_diag("  got %lld, want %lld", g_, w_);		\
} while (0)

#define tap_is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int eq_ = (g_ == NULL && w_ == NULL) ||				\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);		\
	if (!tap_ok(eq_, __VA_ARGS__))					\
		tap_diag("  got \"%s\", want \"%s\"",			\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
