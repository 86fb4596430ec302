/* unit.h -- a tiny unit-test harness: self-registering cases, readable output */
#ifndef UNIT_H
#define UNIT_H

#include <string.h>

/*
 * UNIT_TEST(name) { ... CHECK(...); ... } registers a case at start-up;
 * the runner (unit.c) runs them all, or those whose names contain argv[1],
 * prints "ok NAME" or "not ok NAME" with each failed check (or "skip NAME
 * (REASON)"), and ends with "N passed, N failed, N skipped".
 */
typedef void unit_fn(void);
void	unit_register(const char *name, unit_fn *fn);
int	unit_check(int ok, const char *file, int line, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* a scratch directory for the current case (removed afterwards) */
const char *unit_tmpdir(void);
/* a listening socket on 127.0.0.1 (backlog 8; close() it), its port in
 * *portp; -1 on failure */
int	unit_listener(int *portp);
/* reads an HTTP request's head from fd into req (NUL-terminated, cut at
 * n - 1 bytes) */
void	unit_read_request(int fd, char *req, size_t n);
/*
 * Marks the current case skipped (something it needs is missing); the
 * case should return right after. Under CI (CI=true) the case fails
 * instead, unless REASON matches a pattern of tests/skips-allowed.txt.
 */
void	unit_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define UNIT_TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void name##_reg(void)	\
	{ unit_register(#name, name); }					\
	static void name(void)

#define CHECK(c) unit_check(!!(c), __FILE__, __LINE__, "%s", #c)
#define CHECK_INT(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	unit_check(a_ == b_, __FILE__, __LINE__,			\
	    "%s == %s: got %lld, want %lld", #a, #b, a_, b_);		\
} while (0)
#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	unit_check(a_ != NULL && b_ != NULL && strcmp(a_, b_) == 0,	\
	    __FILE__, __LINE__, "%s == %s: got '%s', want '%s'", #a, #b, \
	    a_ ? a_ : "(null)", b_ ? b_ : "(null)");			\
} while (0)

#endif
