/* hs.h -- error codes and exit codes shared by every module */
#ifndef HS_H
#define HS_H

/*
 * Modules return 0 or one of these negative codes and never print or exit.
 * Only the command layer (src/cli) turns them into messages and exit codes:
 * the exit code of a failed command is the negated error code (see
 * hs_exit_code()), and the table below is the documented exit-code table.
 */
enum hs_err {
	HS_OK       =  0,
	HS_EFAIL    = -1,	/* generic runtime failure */
	HS_EUSAGE   = -2,	/* bad command line, profile or input */
	HS_EHUB     = -3,	/* hub unreachable or answering errors */
	HS_EAUTH    = -4,	/* token missing or invalid, or a scope missing */
	HS_ETARGET  = -5,	/* capture target: kubectl, pod, py-spy, permissions */
	HS_EIO      = -6,	/* local file I/O: unwritable, disk full */
	HS_EPARTIAL = -7,	/* interrupted: partial results written, teardown done */
	HS_ELEFT    = -8,	/* teardown incomplete: users left on the hub */
	HS_ENOMEM   = -9,	/* out of memory */
	HS_ELIMIT   = -10,	/* a size cap was reached (body, output, buffer) */
	HS_EGATE    = -11,	/* a regression gate's bound is broken (exit 9) */
};

/* the process exit code for a module's return value (0 stays 0) */
int hs_exit_code(int r);

/*
 * A caller-owned error buffer: the module that fails writes one line,
 * git-style (lower case, problem first, subject quoted, then the fix).
 */
struct hs_errbuf {
	int  code;
	char msg[512];
};
#define HS_ERRBUF_INIT { 0, "" }

/* sets code and message (printf-style) and returns code, for
 * `return hs_error(eb, HS_EHUB, "...")` */
int hs_error(struct hs_errbuf *eb, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
