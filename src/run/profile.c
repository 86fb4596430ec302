/* profile.c -- run profiles: one schema table drives load, --set and output */
/*
 * The schema table below is the only list of profile fields. Loading is:
 * parse (cJSON, with line/col on errors), apply --set overrides to the tree,
 * walk the tree against the schema (unknown and duplicate keys), convert
 * every field (the value from the tree, else its default, which goes
 * through the same checks), then the cross-field checks. profile_to_json()
 * walks the same table back.
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/target.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/json.h"
#include "run/profile.h"
#include "run/trigger.h"

#define PROFILE_MAX_BYTES	(1u << 20)

enum ftype {
	F_STR,		/* string (nullable: or null) */
	F_INT,		/* integer in [min, max] (nullable: null -> 0) */
	F_NUM,		/* number in [min, max] */
	F_BOOL,
	F_ENUM,		/* one of choices, stored as int */
	F_OBJ,		/* any JSON object, kept as cJSON */
	F_USERS,	/* increasing integers: plateaus.users */
	F_CAPS,		/* unique capture names: captures.run */
	F_FORMATS,	/* unique record formats: bit mask */
};

struct field {
	const char		*path;
	enum ftype		 type;
	size_t			 off;
	double			 min, max;
	int			 nullable;
	const char		*def;	/* JSON text */
	const char *const	*choices;
};

static const char *const activity_names[] = { "servers", "simulate", "none",
	NULL };
static const char *const sessions_names[] = { "none", "browse", NULL };
static const char *const arrivals_names[] = { "burst", "rate", "poisson",
	NULL };
static const char *const login_names[] = { "auto", "form", "none", NULL };
static const char *const transport_names[] = { "kubectl", "debug", "local",
	NULL };
static const char *const teardown_names[] = { "purge", "keep", NULL };
static const char *const capture_names[] = { "top", "record", "dump", NULL };
/* same order as the PROFILE_FORMAT_* bits */
static const char *const format_names[] = { "raw", "speedscope",
	"flamegraph", "chrometrace", NULL };

#define O(m) offsetof(struct profile, m)
#define S(p, m, nul, def) { p, F_STR, O(m), 0, 0, nul, def, NULL }
#define I(p, m, lo, hi, def) { p, F_INT, O(m), lo, hi, 0, def, NULL }
#define N(p, m, lo, hi, def) { p, F_NUM, O(m), lo, hi, 0, def, NULL }
#define B(p, m, def) { p, F_BOOL, O(m), 0, 0, 0, def, NULL }
#define E(p, m, ch, def) { p, F_ENUM, O(m), 0, 0, 0, def, ch }

static const struct field fields[] = {
	S("name", name, 1, "null"),
	S("description", description, 1, "null"),
	S("hub.url", hub.url, 1, "null"),
	S("hub.public_url", hub.public_url, 1, "null"),
	S("hub.prefix", hub.prefix, 0, "\"hubspy\""),
	B("hub.servers", hub.servers, "true"),
	{ "hub.server_options", F_OBJ, O(hub.server_options), 0, 0, 0, "{}",
	    NULL },
	S("hub.metrics_prefix", hub.metrics_prefix, 0, "\"jupyterhub\""),
	I("hub.named_servers", hub.named_servers, 0, 64, "0"),
	{ "plateaus.users", F_USERS, O(plateaus.users), 0, PROFILE_MAX_USERS,
	    0, "[10]", NULL },
	{ "plateaus.series.min", F_INT, O(plateaus.series_min), 1,
	    PROFILE_MAX_USERS, 0, "10", NULL },
	{ "plateaus.series.max", F_INT, O(plateaus.series_max), 1,
	    PROFILE_MAX_USERS, 1, "null", NULL },
	I("plateaus.max_step", plateaus.max_step, 0, PROFILE_MAX_USERS, "0"),
	N("plateaus.settle", plateaus.settle, 0, 86400, "10"),
	N("plateaus.hold", plateaus.hold, 0, 86400, "60"),
	E("activity.mode", activity.mode, activity_names, "\"servers\""),
	N("activity.interval", activity.interval, 1, 86400, "300"),
	N("probe.interval", probe.interval, 0, 3600, "5"),
	E("sessions.mode", sessions.mode, sessions_names, "\"none\""),
	E("sessions.login", sessions.login, login_names, "\"auto\""),
	I("sessions.mix.page", sessions.mix.page, 0, 1000, "5"),
	I("sessions.mix.own_api", sessions.mix.own_api, 0, 1000, "10"),
	I("sessions.mix.proxy", sessions.mix.proxy, 0, 1000, "85"),
	N("sessions.think.min", sessions.think.min, 0, 3600, "5"),
	N("sessions.think.max", sessions.think.max, 0, 3600, "15"),
	I("sessions.concurrency", sessions.concurrency, 1, 1024, "16"),
	B("sessions.progress", sessions.progress, "true"),
	E("arrivals.mode", arrivals.mode, arrivals_names, "\"burst\""),
	N("arrivals.rate", arrivals.rate, 0.001, 10000, "1"),
	N("arrivals.session_length", arrivals.session_length, 0, 86400, "0"),
	{ "captures.run", F_CAPS, O(captures.run), 0, 0, 0,
	    "[\"top\", \"record\", \"dump\"]", capture_names },
	N("captures.top.seconds", captures.top.seconds, 1, 3600, "10"),
	N("captures.record.duration", captures.record.duration, 1, 86400, "30"),
	I("captures.record.rate", captures.record.rate, 1, 10000, "100"),
	B("captures.record.idle", captures.record.idle, "false"),
	B("captures.record.gil", captures.record.gil, "false"),
	B("captures.record.native", captures.record.native, "false"),
	B("captures.record.subprocesses", captures.record.subprocesses,
	    "false"),
	B("captures.record.nonblocking", captures.record.nonblocking, "true"),
	{ "captures.record.formats", F_FORMATS, O(captures.record.formats), 0,
	    0, 0, "[\"raw\", \"speedscope\"]", format_names },
	I("captures.dump.count", captures.dump.count, 1, 100, "3"),
	N("captures.dump.interval", captures.dump.interval, 0, 3600, "2"),
	I("captures.dump.locals", captures.dump.locals, 0, 4, "0"),
	B("captures.dump.json", captures.dump.json, "true"),
	B("triggers.enabled", triggers.enabled, "true"),
	N("triggers.probe", triggers.probe, 0, 600, "1"),
	N("triggers.loop_interval", triggers.loop_interval, 0, 600, "0.5"),
	N("triggers.interval", triggers.interval, 0.1, 3600, "1"),
	N("triggers.min_gap", triggers.min_gap, 0, 86400, "30"),
	I("triggers.max_per_plateau", triggers.max_per_plateau, 0, 1000, "3"),
	I("triggers.dumps", triggers.dumps, 1, 20, "3"),
	N("triggers.dump_interval", triggers.dump_interval, 0, 10, "0.25"),
	N("triggers.record", triggers.record, 0, 600, "2"),
	E("target.transport", target.transport, transport_names,
	    "\"kubectl\""),
	S("target.context", target.context, 1, "null"),
	S("target.kubeconfig", target.kubeconfig, 1, "null"),
	S("target.namespace", target.namespace, 1, "null"),
	S("target.pod", target.pod, 1, "null"),
	S("target.selector", target.selector, 1, "\"component=hub\""),
	S("target.container", target.container, 1, "\"hub\""),
	S("target.image", target.image, 1, "null"),
	I("target.pid", target.pid, 0, 4194304, "0"),
	I("load.batch_size", load.batch_size, 1, 5000, "100"),
	I("load.spawn_concurrency", load.spawn_concurrency, 1, 1000, "32"),
	N("load.ready_timeout", load.ready_timeout, 1, 86400, "300"),
	I("load.concurrency", load.concurrency, 1, 1024, "16"),
	I("spawn_phases.streams", spawn_phases.streams, 0, 1024, "32"),
	E("teardown", teardown, teardown_names, "\"purge\""),
	S("output", output, 0, "\".\""),
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

#undef O
#undef S
#undef I
#undef N
#undef B
#undef E

/* where a value came from, for messages */
struct ctx {
	const char		*origin;	/* "profile 'x.json'" */
	const char *const	*sets;
	size_t			 nsets;
	struct hs_errbuf	*eb;
};

static const struct field *
field_find(const char *path)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].path, path) == 0)
			return &fields[i];
	return NULL;
}

/* 1 when path is an object of the schema ("", "hub", "captures.top") */
static int
is_section(const char *path)
{
	size_t i, n = strlen(path);

	if (n == 0)
		return 1;
	for (i = 0; i < NFIELDS; i++)
		if (strncmp(fields[i].path, path, n) == 0 &&
		    fields[i].path[n] == '.')
			return 1;
	return 0;
}

int
profile_has_field(const char *path)
{
	return field_find(path) != NULL;
}

const char *const *
profile_fields(void)
{
	static const char *paths[NFIELDS + 1];
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		paths[i] = fields[i].path;
	paths[NFIELDS] = NULL;
	return paths;
}

const char *
profile_sessions_name(enum profile_sessions m)
{
	return sessions_names[m];
}

const char *
profile_activity_name(enum profile_activity m)
{
	return activity_names[m];
}

const char *
profile_transport_name(enum profile_transport t)
{
	return transport_names[t];
}

const char *
profile_capture_name(enum profile_capture c)
{
	return capture_names[c];
}

void
profile_capture_opts(const struct profile_captures *c, struct top_opts *top,
    struct record_opts *rec, struct dump_opts *dump)
{
	*top = (struct top_opts)TOP_OPTS_INIT;
	top->seconds = (int)ceil(c->top.seconds);
	top->rate = c->record.rate;
	top->nonblocking = c->record.nonblocking;
	top->idle = c->record.idle;
	top->gil = c->record.gil;
	top->subprocesses = c->record.subprocesses;

	*rec = (struct record_opts)RECORD_OPTS_INIT;
	rec->duration = (int)ceil(c->record.duration);
	rec->rate = c->record.rate;
	rec->native = c->record.native;
	rec->nonblocking = c->record.nonblocking && !rec->native;
	rec->idle = c->record.idle;
	rec->gil = c->record.gil;
	rec->subprocesses = c->record.subprocesses;
	rec->svg = (c->record.formats & PROFILE_FORMAT_FLAMEGRAPH) != 0;

	*dump = (struct dump_opts)DUMP_OPTS_INIT;
	dump->count = c->dump.count;
	dump->interval_ms = (int)(c->dump.interval * 1000.0);
	dump->locals = c->dump.locals;
	dump->subprocesses = c->record.subprocesses;
}

/* the origin of a path: a --set that named it, else the profile */
static const char *
origin_of(const struct ctx *c, const char *path, char *tmp, size_t tmpsz)
{
	size_t i, n;

	for (i = c->nsets; i-- > 0;) {
		n = strcspn(c->sets[i], "=");
		if (strncmp(c->sets[i], path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '.')) {
			snprintf(tmp, tmpsz, "--set '%.*s'", (int)n,
			    c->sets[i]);
			return tmp;
		}
	}
	return c->origin;
}

static int
ferr(const struct ctx *c, const char *path, const char *msg)
{
	char tmp[160];

	return hs_error(c->eb, HS_EUSAGE, "%s: %s: %s",
	    origin_of(c, path, tmp, sizeof(tmp)), path, msg);
}

static int
type_err(const struct ctx *c, const char *path, const char *want,
    const cJSON *v)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "expected %s, got %s", want, json_kind(v));
	return ferr(c, path, msg);
}

/* Levenshtein distance, bounded to short keys */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			cur = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

/* the closest key under section parent to key, or NULL */
static const char *
suggest(const char *parent, const char *key, char *out, size_t outsz)
{
	size_t i, n = strlen(parent), best = 99, d, kl = strlen(key), cl;
	const char *rest, *dot;
	char cand[64];

	for (i = 0; i < NFIELDS; i++) {
		if (n > 0 && (strncmp(fields[i].path, parent, n) != 0 ||
		    fields[i].path[n] != '.'))
			continue;
		rest = fields[i].path + (n > 0 ? n + 1 : 0);
		dot = strchr(rest, '.');
		cl = dot ? (size_t)(dot - rest) : strlen(rest);
		if (cl >= sizeof(cand))
			continue;
		memcpy(cand, rest, cl);
		cand[cl] = '\0';
		d = distance(key, cand);
		/* "hold_seconds" -> "hold": one is a prefix of the other */
		if (d > 2 && cl >= 3 && kl >= 3 &&
		    (strncmp(key, cand, cl) == 0 || strncmp(key, cand, kl) == 0))
			d = 2;
		if (d < best && d <= (cl < 4 ? 1 : 2)) {
			best = d;
			strlcpy(out, cand, outsz);
		}
	}
	return best == 99 ? NULL : out;
}

static void
join(char *out, size_t outsz, const char *parent, const char *key)
{
	if (parent[0] == '\0')
		snprintf(out, outsz, "%s", key);
	else
		snprintf(out, outsz, "%s.%s", parent, key);
}

/* unknown keys, duplicate keys, sections that are not objects */
static int
walk(const struct ctx *c, const cJSON *obj, const char *parent)
{
	const cJSON *v, *w;
	char path[256], msg[160], sug[64];
	int r;

	cJSON_ArrayForEach(v, obj) {
		if (v->string == NULL)
			return ferr(c, parent, "key without a name");
		join(path, sizeof(path), parent, v->string);
		for (w = obj->child; w != v; w = w->next)
			if (strcmp(w->string, v->string) == 0)
				return ferr(c, path, "duplicate key");
		if (field_find(path) != NULL)
			continue;
		if (is_section(path)) {
			if (!cJSON_IsObject(v))
				return type_err(c, path, "an object", v);
			if ((r = walk(c, v, path)) != 0)
				return r;
			continue;
		}
		if (suggest(parent, v->string, sug, sizeof(sug)) != NULL)
			snprintf(msg, sizeof(msg),
			    "unknown key; did you mean '%s'?", sug);
		else
			snprintf(msg, sizeof(msg), "unknown key (see "
			    "docs/profiles.md)");
		return ferr(c, path, msg);
	}
	return 0;
}

static const cJSON *
lookup(const cJSON *root, const char *path)
{
	char part[64];
	const char *p = path, *dot;
	size_t n;

	while (root != NULL) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		root = cJSON_GetObjectItemCaseSensitive(root, part);
		if (dot == NULL)
			return root;
		p = dot + 1;
	}
	return NULL;
}

static int
choice_index(const char *const *choices, const char *s)
{
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], s) == 0)
			return i;
	return -1;
}

static int
choice_err(const struct ctx *c, const char *path, const char *const *ch,
    const char *got)
{
	char msg[256];
	size_t n;
	int i;

	n = (size_t)snprintf(msg, sizeof(msg), "'%.40s' is not one of ",
	    got);
	for (i = 0; ch[i] != NULL && n < sizeof(msg); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s%s",
		    i ? ", " : "", ch[i]);
	return ferr(c, path, msg);
}

static int
range_err(const struct ctx *c, const struct field *f, double v)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%g is out of range (%g to %g)", v, f->min,
	    f->max);
	return ferr(c, f->path, msg);
}

static int
conv_number(const struct ctx *c, const struct field *f, const cJSON *v,
    int integer, double *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return type_err(c, f->path, integer ? "an integer" :
		    "a number", v);
	d = v->valuedouble;
	if (!isfinite(d))
		return ferr(c, f->path, "not a finite number");
	if (integer && floor(d) != d)
		return type_err(c, f->path, "an integer", v);
	if (d < f->min || d > f->max)
		return range_err(c, f, d);
	*out = d;
	return 0;
}

/* a string array of unique choices into idx[], returns count or < 0 */
static int
conv_choices(const struct ctx *c, const struct field *f, const cJSON *v,
    int *idx, int maxn)
{
	const cJSON *e;
	char msg[128];
	int n = 0, k, i;

	if (!cJSON_IsArray(v))
		return type_err(c, f->path, "an array of strings", v);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return type_err(c, f->path, "an array of strings", v);
		if ((k = choice_index(f->choices, e->valuestring)) < 0)
			return choice_err(c, f->path, f->choices,
			    e->valuestring);
		for (i = 0; i < n; i++)
			if (idx[i] == k) {
				snprintf(msg, sizeof(msg), "'%s' is listed "
				    "twice", e->valuestring);
				return ferr(c, f->path, msg);
			}
		if (n == maxn)
			return ferr(c, f->path, "too many entries");
		idx[n++] = k;
	}
	return n;
}

static int
conv_users(const struct ctx *c, const struct field *f, const cJSON *v,
    struct profile *p)
{
	const cJSON *e;
	double d;
	char msg[128];
	int r;

	if (!cJSON_IsArray(v))
		return type_err(c, f->path, "an array of user counts", v);
	p->plateaus.n = 0;
	cJSON_ArrayForEach(e, v) {
		if ((r = conv_number(c, f, e, 1, &d)) != 0)
			return r;
		if (p->plateaus.n == PROFILE_MAX_PLATEAUS) {
			snprintf(msg, sizeof(msg), "more than %d plateaus",
			    PROFILE_MAX_PLATEAUS);
			return ferr(c, f->path, msg);
		}
		if (p->plateaus.n > 0 &&
		    d <= p->plateaus.users[p->plateaus.n - 1]) {
			snprintf(msg, sizeof(msg), "%g does not follow %d: "
			    "user counts must increase", d,
			    p->plateaus.users[p->plateaus.n - 1]);
			return ferr(c, f->path, msg);
		}
		p->plateaus.users[p->plateaus.n++] = (int)d;
	}
	if (p->plateaus.n == 0)
		return ferr(c, f->path, "no plateaus: give at least one user "
		    "count");
	return 0;
}

static int
conv_field(const struct ctx *c, const struct field *f, const cJSON *v,
    struct profile *p)
{
	char *base = (char *)p + f->off;
	int idx[8], n, i, r;
	unsigned mask;
	double d;

	if (cJSON_IsNull(v) && f->nullable) {
		if (f->type == F_INT)
			*(int *)(void *)base = 0;
		return 0;
	}
	switch (f->type) {
	case F_STR:
		if (!cJSON_IsString(v))
			return type_err(c, f->path, f->nullable ?
			    "a string or null" : "a string", v);
		if ((*(char **)(void *)base = strdup(v->valuestring)) == NULL)
			return hs_error(c->eb, HS_ENOMEM, "out of memory");
		return 0;
	case F_INT:
		if ((r = conv_number(c, f, v, 1, &d)) != 0)
			return r;
		*(int *)(void *)base = (int)d;
		return 0;
	case F_NUM:
		return conv_number(c, f, v, 0, (double *)(void *)base);
	case F_BOOL:
		if (!cJSON_IsBool(v))
			return type_err(c, f->path, "true or false", v);
		*(int *)(void *)base = cJSON_IsTrue(v);
		return 0;
	case F_ENUM:
		if (!cJSON_IsString(v))
			return type_err(c, f->path, "a string", v);
		if ((i = choice_index(f->choices, v->valuestring)) < 0)
			return choice_err(c, f->path, f->choices,
			    v->valuestring);
		*(int *)(void *)base = i;
		return 0;
	case F_OBJ:
		if (!cJSON_IsObject(v))
			return type_err(c, f->path, "an object", v);
		if ((*(cJSON **)(void *)base = cJSON_Duplicate(v, 1)) == NULL)
			return hs_error(c->eb, HS_ENOMEM, "out of memory");
		return 0;
	case F_USERS:
		return conv_users(c, f, v, p);
	case F_CAPS:
		if ((n = conv_choices(c, f, v, idx, 3)) < 0)
			return n;
		for (i = 0; i < n; i++)
			p->captures.run[i] = (enum profile_capture)idx[i];
		p->captures.nrun = (size_t)n;
		return 0;
	case F_FORMATS:
		if ((n = conv_choices(c, f, v, idx, 4)) < 0)
			return n;
		for (mask = 0, i = 0; i < n; i++)
			mask |= 1u << idx[i];
		*(unsigned *)(void *)base = mask;
		return 0;
	}
	return hs_error(c->eb, HS_EFAIL, "%s: unknown field type", f->path);
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* the 1-2-5 series from lo to hi, hi itself last */
static void
series(struct profile *p, int lo, int hi)
{
	static const int mant[] = { 1, 2, 5 };
	long long d, v;
	size_t k;

	p->plateaus.n = 0;
	for (d = 1; d <= hi; d *= 10)
		for (k = 0; k < 3; k++) {
			v = d * mant[k];
			if (v >= lo && v < hi &&
			    p->plateaus.n < PROFILE_MAX_PLATEAUS - 1)
				p->plateaus.users[p->plateaus.n++] = (int)v;
		}
	p->plateaus.users[p->plateaus.n++] = hi;
}

/* the Kubernetes names go into kubectl's argv: DNS-1123, no leading '-'
 * (a shared profile's "target.pod": "-oyaml" must not become an option) */
static int
check_names(const struct ctx *c, const struct profile *p)
{
	const struct {
		const char	*path, *val;
		enum target_name kind;
	} names[] = {
		{ "target.pod", p->target.pod, TARGET_NAME_POD },
		{ "target.namespace", p->target.namespace, TARGET_NAME_LABEL },
		{ "target.container", p->target.container, TARGET_NAME_LABEL },
	};
	const char *why;
	char msg[200];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].val != NULL && (why = target_check_name(
		    names[i].kind, names[i].val)) != NULL) {
			snprintf(msg, sizeof(msg), "'%.60s': %s", names[i].val,
			    why);
			return ferr(c, names[i].path, msg);
		}
	if (p->target.selector != NULL && p->target.selector[0] == '-')
		return ferr(c, "target.selector", "starts with '-' (it would "
		    "be read as a kubectl option)");
	return 0;
}

static int
cross_checks(const struct ctx *c, const cJSON *root, struct profile *p)
{
	char msg[200];
	int prev = 0;
	size_t i;

	if (p->name != NULL && !valid_name(p->name))
		return ferr(c, "name", "use 1 to 64 of A-Z a-z 0-9 . _ - "
		    "(it names the archive)");
	if (p->hub.prefix[0] == '\0' || !valid_name(p->hub.prefix) ||
	    strlen(p->hub.prefix) > 32)
		return ferr(c, "hub.prefix", "use 1 to 32 of A-Z a-z 0-9 . _ -");
	if (p->hub.url != NULL && strncmp(p->hub.url, "http://", 7) != 0 &&
	    strncmp(p->hub.url, "https://", 8) != 0)
		return ferr(c, "hub.url", "expected an http:// or https:// URL "
		    "such as 'http://127.0.0.1:8081/hub/api'");
	if (p->plateaus.series_max > 0) {
		if (lookup(root, "plateaus.users") != NULL)
			return ferr(c, "plateaus.series.max", "set either "
			    "plateaus.users or plateaus.series, not both");
		if (p->plateaus.series_min > p->plateaus.series_max)
			return ferr(c, "plateaus.series.min",
			    "larger than plateaus.series.max");
		series(p, p->plateaus.series_min, p->plateaus.series_max);
	}
	for (i = 0; i < p->plateaus.n; i++) {
		if (p->plateaus.max_step > 0 &&
		    (p->plateaus.users[i] - prev + p->plateaus.max_step - 1) /
		    p->plateaus.max_step > PROFILE_MAX_STEPS) {
			snprintf(msg, sizeof(msg), "too small: the ramp to %d "
			    "users would take more than %d steps",
			    p->plateaus.users[i], PROFILE_MAX_STEPS);
			return ferr(c, "plateaus.max_step", msg);
		}
		prev = p->plateaus.users[i];
	}
	if (!p->hub.servers && p->activity.mode == PROFILE_ACTIVITY_SERVERS)
		return ferr(c, "activity.mode", "'servers' needs hub.servers "
		    "true (no server would post); use 'simulate' or 'none'");
	if (p->hub.public_url != NULL &&
	    strncmp(p->hub.public_url, "http://", 7) != 0 &&
	    strncmp(p->hub.public_url, "https://", 8) != 0)
		return ferr(c, "hub.public_url", "expected an http:// or "
		    "https:// URL such as 'http://127.0.0.1:8000'");
	if (p->sessions.mode == PROFILE_SESSIONS_BROWSE) {
		if (!p->hub.servers)
			return ferr(c, "sessions.mode", "'browse' needs "
			    "hub.servers true (a session runs while its "
			    "server runs); use 'none'");
		if (p->sessions.mix.page + p->sessions.mix.own_api +
		    p->sessions.mix.proxy == 0)
			return ferr(c, "sessions.mix", "every weight is 0; "
			    "give page, own_api or proxy a weight above 0");
		if (p->sessions.mix.page > 0 &&
		    p->sessions.login == PROFILE_LOGIN_NONE)
			return ferr(c, "sessions.mix.page", "hub pages need "
			    "the login cookie, and sessions.login is 'none'; "
			    "set sessions.login to 'auto' or 'form', or "
			    "sessions.mix.page to 0");
	}
	if (p->arrivals.session_length > 0 && !p->hub.servers)
		return ferr(c, "arrivals.session_length", "departures stop "
		    "servers, and hub.servers is false; set it to 0");
	if (p->sessions.think.min > p->sessions.think.max)
		return ferr(c, "sessions.think.min", "larger than "
		    "sessions.think.max");
	if (p->captures.record.native && p->captures.record.nonblocking)
		return ferr(c, "captures.record.native", "cannot be combined "
		    "with captures.record.nonblocking (py-spy refuses); set "
		    "one of them false");
	if (!(p->captures.record.formats & PROFILE_FORMAT_RAW))
		return ferr(c, "captures.record.formats", "must include "
		    "'raw' (the flamegraph and top table are made from it)");
	/* below these a healthy hub's ordinary answers would fire */
	if (p->triggers.probe > 0 && p->triggers.probe < 0.1)
		return ferr(c, "triggers.probe", "too small: use 0 (off) or "
		    "0.1 to 600 seconds");
	if (p->triggers.loop_interval > 0 && p->triggers.loop_interval < 0.01)
		return ferr(c, "triggers.loop_interval", "too small: use 0 "
		    "(off) or 0.01 to 600 seconds");
	return check_names(c, p);
}

void
profile_trigger_config(const struct profile *p, struct trigger_config *tc)
{
	*tc = (struct trigger_config)TRIGGER_CONFIG_INIT;
	tc->probe_s = p->triggers.probe;
	tc->loop_s = p->triggers.loop_interval;
	tc->interval_s = p->triggers.interval;
	tc->min_gap_s = p->triggers.min_gap;
	tc->max_per_window = p->triggers.max_per_plateau;
	tc->metrics_prefix = p->hub.metrics_prefix;
}

/* sets "a.b.c" = value in root, making the objects on the way */
static int
apply_set(const struct ctx *c, cJSON *root, const char *set)
{
	char path[256], part[64], sug[64], msg[160];
	const char *eq, *p, *dot, *val;
	cJSON *v = NULL, *obj = root, *next;
	size_t n;

	if ((eq = strchr(set, '=')) == NULL || eq == set)
		return hs_error(c->eb, HS_EUSAGE, "--set '%.100s': expected "
		    "key.path=value", set);
	n = (size_t)(eq - set);
	if (n >= sizeof(path))
		return hs_error(c->eb, HS_EUSAGE, "--set: key path too long");
	memcpy(path, set, n);
	path[n] = '\0';
	if (field_find(path) == NULL && is_section(path)) {
		for (n = 0; n < NFIELDS; n++)
			if (strncmp(fields[n].path, path, strlen(path)) == 0 &&
			    fields[n].path[strlen(path)] == '.')
				break;
		return hs_error(c->eb, HS_EUSAGE, "--set '%s': a section, not "
		    "a field; name one of its fields, e.g. '%s'", path,
		    fields[n].path);
	}
	if (field_find(path) == NULL) {
		dot = strrchr(path, '.');
		if (dot != NULL) {
			snprintf(part, sizeof(part), "%.*s",
			    (int)(dot - path), path);
			p = suggest(part, dot + 1, sug, sizeof(sug));
		} else
			p = suggest("", path, sug, sizeof(sug));
		if (p != NULL)
			snprintf(msg, sizeof(msg), "; did you mean '%.*s%s'?",
			    dot ? (int)(dot - path + 1) : 0, path, sug);
		else
			msg[0] = '\0';
		return hs_error(c->eb, HS_EUSAGE, "--set '%s': not a profile "
		    "field%s", path, msg);
	}
	val = eq + 1;
	if ((v = cJSON_Parse(val)) == NULL &&
	    (v = cJSON_CreateString(val)) == NULL)
		return hs_error(c->eb, HS_ENOMEM, "out of memory");
	for (p = path;; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		memcpy(part, p, n);
		part[n] = '\0';
		if (dot == NULL)
			break;
		next = cJSON_GetObjectItemCaseSensitive(obj, part);
		if (next == NULL) {
			if ((next = cJSON_AddObjectToObject(obj, part)) ==
			    NULL) {
				cJSON_Delete(v);
				return hs_error(c->eb, HS_ENOMEM,
				    "out of memory");
			}
		} else if (!cJSON_IsObject(next)) {
			cJSON_Delete(v);
			return ferr(c, path, "its parent is not an object "
			    "in the profile");
		}
		obj = next;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, part) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(obj, part, v);
	else
		cJSON_AddItemToObject(obj, part, v);
	return 0;
}

static int
load_tree(struct profile *p, const char *name, cJSON *root,
    const char *const *sets, size_t nsets, struct hs_errbuf *eb)
{
	struct ctx c;
	char origin[200], base[80];
	const struct field *f;
	const cJSON *v;
	cJSON *def;
	const char *s;
	size_t i, n;
	int r;

	snprintf(origin, sizeof(origin), "profile '%s'", name);
	c.origin = origin;
	c.sets = sets;
	c.nsets = nsets;
	c.eb = eb;
	if (!cJSON_IsObject(root))
		return hs_error(eb, HS_EUSAGE, "%s: expected a JSON object, "
		    "got %s", origin, json_kind(root));
	for (i = 0; i < nsets; i++)
		if ((r = apply_set(&c, root, sets[i])) != 0)
			return r;
	if ((r = walk(&c, root, "")) != 0)
		return r;
	for (i = 0; i < NFIELDS; i++) {
		f = &fields[i];
		if ((v = lookup(root, f->path)) != NULL) {
			r = conv_field(&c, f, v, p);
		} else {
			if ((def = cJSON_Parse(f->def)) == NULL)
				return hs_error(eb, HS_ENOMEM, "out of memory");
			r = conv_field(&c, f, def, p);
			cJSON_Delete(def);
		}
		if (r != 0)
			return r;
	}
	if ((r = cross_checks(&c, root, p)) != 0)
		return r;
	if (p->name == NULL) {
		/* the file's base name without .json, made safe */
		s = strrchr(name, '/');
		strlcpy(base, s ? s + 1 : name, sizeof(base));
		n = strlen(base);
		if (n > 5 && strcmp(base + n - 5, ".json") == 0)
			base[n - 5] = '\0';
		for (i = 0; base[i] != '\0'; i++)
			if (!isalnum((unsigned char)base[i]) &&
			    strchr("._-", base[i]) == NULL)
				base[i] = '_';
		if (base[0] == '\0' || base[0] == '.' || base[0] == '-')
			strlcpy(base, "profile", sizeof(base));
		base[64] = '\0';
		if ((p->name = strdup(base)) == NULL)
			return hs_error(eb, HS_ENOMEM, "out of memory");
	}
	return 0;
}

int
profile_load_text(struct profile *p, const char *name, const char *text,
    size_t len, const char *const *sets, size_t nsets, struct hs_errbuf *eb)
{
	const char *end = NULL, *nul, *start;
	char near[24];
	cJSON *root = NULL;
	int line, col, r;
	size_t i;

	memset(p, 0, sizeof(*p));
	if ((nul = memchr(text, '\0', len)) != NULL) {
		file_line_col(text, (size_t)(nul - text), &line, &col);
		return hs_error(eb, HS_EUSAGE, "cannot parse profile '%s': "
		    "line %d col %d: NUL byte", name, line, col);
	}
	/* the length includes the terminating NUL so that cJSON checks
	 * that nothing follows the value */
	root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (root == NULL) {
		if (end == NULL || end < text || end > text + len)
			end = text + len;
		file_line_col(text, (size_t)(end - text), &line, &col);
		if (end[strspn(end, " \t\r\n")] == '\0')
			return hs_error(eb, HS_EUSAGE, "cannot parse profile "
			    "'%s': line %d col %d: unexpected end of JSON",
			    name, line, col);
		/* cJSON stops near the fault: show a little on each side */
		start = end - (col - 1 < 12 ? col - 1 : 12);
		for (i = 0; i + 1 < sizeof(near) && start + i < text + len &&
		    start[i] != '\n' && start + i < end + 4; i++)
			near[i] = isprint((unsigned char)start[i]) ? start[i] :
			    '?';
		near[i] = '\0';
		return hs_error(eb, HS_EUSAGE, "cannot parse profile '%s': "
		    "line %d col %d: invalid JSON near '%s'", name, line, col,
		    near);
	}
	r = load_tree(p, name, root, sets, nsets, eb);
	cJSON_Delete(root);
	return r;
}

int
profile_load(struct profile *p, const char *path, const char *const *sets,
    size_t nsets, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(PROFILE_MAX_BYTES);
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = file_read(path, &b, eb)) != 0) {
		if (r == HS_ELIMIT)
			hs_error(eb, HS_EUSAGE, "profile '%s' is larger than "
			    "%u bytes", path, PROFILE_MAX_BYTES);
		buf_release(&b);
		return eb ? eb->code : r;
	}
	r = profile_load_text(p, path, b.data, b.len, sets, nsets, eb);
	buf_release(&b);
	return r;
}

void
profile_release(struct profile *p)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		char *base = (char *)p + fields[i].off;

		if (fields[i].type == F_STR)
			free(*(char **)(void *)base);
		else if (fields[i].type == F_OBJ)
			cJSON_Delete(*(cJSON **)(void *)base);
	}
	memset(p, 0, sizeof(*p));
}

/* the object for path's parent in root, made on the way */
static cJSON *
parent_obj(cJSON *root, const char *path, const char **leaf)
{
	char part[64];
	const char *p = path, *dot;
	cJSON *o = root, *next;
	size_t n;

	while ((dot = strchr(p, '.')) != NULL) {
		n = (size_t)(dot - p);
		memcpy(part, p, n);
		part[n] = '\0';
		if ((next = cJSON_GetObjectItemCaseSensitive(o, part)) == NULL &&
		    (next = cJSON_AddObjectToObject(o, part)) == NULL)
			return NULL;
		o = next;
		p = dot + 1;
	}
	*leaf = p;
	return o;
}

static cJSON *
field_json(const struct field *f, const struct profile *p)
{
	const char *base = (const char *)p + f->off;
	cJSON *a;
	size_t i;
	int v;

	switch (f->type) {
	case F_STR:
		if (*(char *const *)(const void *)base == NULL)
			return cJSON_CreateNull();
		return cJSON_CreateString(*(char *const *)(const void *)base);
	case F_INT:
		v = *(const int *)(const void *)base;
		if (v == 0 && f->nullable)
			return cJSON_CreateNull();
		return cJSON_CreateNumber(v);
	case F_NUM:
		return cJSON_CreateNumber(*(const double *)(const void *)base);
	case F_BOOL:
		return cJSON_CreateBool(*(const int *)(const void *)base);
	case F_ENUM:
		return cJSON_CreateString(
		    f->choices[*(const int *)(const void *)base]);
	case F_OBJ:
		return cJSON_Duplicate(*(cJSON *const *)(const void *)base, 1);
	case F_USERS:
		return cJSON_CreateIntArray(p->plateaus.users,
		    (int)p->plateaus.n);
	case F_CAPS:
		if ((a = cJSON_CreateArray()) == NULL)
			return NULL;
		for (i = 0; i < p->captures.nrun; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(
			    capture_names[p->captures.run[i]]));
		return a;
	case F_FORMATS:
		if ((a = cJSON_CreateArray()) == NULL)
			return NULL;
		for (i = 0; format_names[i] != NULL; i++)
			if (p->captures.record.formats & (1u << i))
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(format_names[i]));
		return a;
	}
	return NULL;
}

cJSON *
profile_to_json(const struct profile *p)
{
	cJSON *root, *parent, *v;
	const char *leaf;
	size_t i;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < NFIELDS; i++) {
		if ((parent = parent_obj(root, fields[i].path, &leaf)) == NULL ||
		    (v = field_json(&fields[i], p)) == NULL) {
			cJSON_Delete(root);
			return NULL;
		}
		cJSON_AddItemToObject(parent, leaf, v);
	}
	return root;
}

/*
 * The plan model (docs/profiles.md "The plan"): estimates, not promises.
 */
#define PLAN_CREATE_S_PER_USER	0.006	/* POST /users: 250 names in 1.41 s */
#define PLAN_SPAWN_WAVE_S	1.0	/* one wave of spawn_concurrency */
#define PLAN_STEP_S		1.0	/* readiness check per ramp step */
#define PLAN_CAPTURE_S		2.0	/* attach and detach per capture */
#define PLAN_POLLS_PER_SPAWN	2	/* readiness polls per started server */
#define PLAN_PAGE		200	/* api_page_max_limit */
#define PLAN_PREFLIGHT		3	/* version, whoami, info */

static double
capture_seconds(const struct profile *p)
{
	double s = 0;
	size_t i;

	for (i = 0; i < p->captures.nrun; i++) {
		switch (p->captures.run[i]) {
		case PROFILE_CAPTURE_TOP:
			s += p->captures.top.seconds;
			break;
		case PROFILE_CAPTURE_RECORD:
			s += p->captures.record.duration;
			break;
		case PROFILE_CAPTURE_DUMP:
			s += p->captures.dump.count * p->captures.dump.interval;
			break;
		}
		s += PLAN_CAPTURE_S;
	}
	return s;
}

static long long
waves(long long n, long long width)
{
	return (n + width - 1) / width;
}

void
profile_plan(const struct profile *p, struct profile_plan *plan)
{
	struct profile_plan_plateau *pp;
	long long delta, act, probe, last = 0;
	double window;
	size_t i;
	int prev = 0, u;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < p->plateaus.n; i++) {
		pp = &plan->p[plan->n++];
		pp->users = p->plateaus.users[i];
		pp->from = prev;
		delta = pp->users - prev;
		for (u = prev; u < pp->users && pp->nsteps < PROFILE_MAX_STEPS;) {
			u = p->plateaus.max_step > 0 &&
			    pp->users - u > p->plateaus.max_step ?
			    u + p->plateaus.max_step : pp->users;
			pp->steps[pp->nsteps++] = u;
		}
		pp->ramp_seconds = delta * PLAN_CREATE_S_PER_USER +
		    (double)pp->nsteps * PLAN_STEP_S;
		if (p->hub.servers)
			pp->ramp_seconds += waves(delta,
			    p->load.spawn_concurrency) * PLAN_SPAWN_WAVE_S;
		/* arrivals over time: the ramp lasts at least that long */
		if (p->hub.servers && p->arrivals.mode !=
		    PROFILE_ARRIVALS_BURST && pp->ramp_seconds <
		    (double)delta / p->arrivals.rate)
			pp->ramp_seconds = (double)delta / p->arrivals.rate;
		pp->settle_seconds = p->plateaus.settle;
		pp->hold_seconds = p->plateaus.hold;
		pp->capture_seconds = capture_seconds(p);
		pp->requests = waves(delta, p->load.batch_size);
		if (p->hub.servers)
			pp->requests += delta * (1 + PLAN_POLLS_PER_SPAWN);
		window = pp->settle_seconds + pp->hold_seconds +
		    pp->capture_seconds;
		act = 0;
		if (p->activity.mode != PROFILE_ACTIVITY_NONE)
			act = (long long)ceil(pp->users * window /
			    p->activity.interval);
		probe = 0;
		if (p->probe.interval > 0)
			probe = (long long)ceil((window + pp->ramp_seconds) /
			    p->probe.interval);
		pp->requests += act + probe + 2;	/* 2 metrics reads */
		plan->total_seconds += pp->ramp_seconds + window;
		plan->total_requests += pp->requests;
		prev = pp->users;
		last = pp->users;
	}
	if (p->teardown == PROFILE_TEARDOWN_PURGE && last > 0) {
		plan->teardown_seconds = last * PLAN_CREATE_S_PER_USER;
		/* one delete per user: it stops a ready server itself */
		plan->teardown_requests = last + waves(last, PLAN_PAGE);
		if (p->hub.servers)
			plan->teardown_seconds += waves(last,
			    p->load.spawn_concurrency) * PLAN_SPAWN_WAVE_S;
	}
	plan->total_seconds += plan->teardown_seconds;
	plan->total_requests += plan->teardown_requests + PLAN_PREFLIGHT;
}

cJSON *
profile_plan_to_json(const struct profile_plan *plan)
{
	cJSON *root, *arr, *o;
	size_t i;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((arr = cJSON_AddArrayToObject(root, "plateaus")) == NULL)
		goto fail;
	for (i = 0; i < plan->n; i++) {
		const struct profile_plan_plateau *pp = &plan->p[i];

		if ((o = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "users", pp->users);
		cJSON_AddNumberToObject(o, "from", pp->from);
		cJSON_AddItemToObject(o, "steps", cJSON_CreateIntArray(
		    pp->steps, (int)pp->nsteps));
		cJSON_AddNumberToObject(o, "ramp_seconds", pp->ramp_seconds);
		cJSON_AddNumberToObject(o, "settle_seconds",
		    pp->settle_seconds);
		cJSON_AddNumberToObject(o, "hold_seconds", pp->hold_seconds);
		cJSON_AddNumberToObject(o, "capture_seconds",
		    pp->capture_seconds);
		cJSON_AddNumberToObject(o, "requests", (double)pp->requests);
	}
	cJSON_AddNumberToObject(root, "teardown_seconds",
	    plan->teardown_seconds);
	cJSON_AddNumberToObject(root, "teardown_requests",
	    (double)plan->teardown_requests);
	cJSON_AddNumberToObject(root, "total_seconds", plan->total_seconds);
	if (cJSON_AddNumberToObject(root, "total_requests",
	    (double)plan->total_requests) == NULL)
		goto fail;
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

static int
add_seconds(struct buf *b, double s)
{
	long long t = (long long)ceil(s);

	if (t < 60)
		return buf_printf(b, "%llds", t);
	if (t < 3600)
		return buf_printf(b, "%lldm%02llds", t / 60, t % 60);
	return buf_printf(b, "%lldh%02lldm", t / 3600, t / 60 % 60);
}

int
profile_plan_format(const struct profile *p, const struct profile_plan *plan,
    struct buf *out)
{
	const struct profile_plan_plateau *pp;
	size_t i, k;

	buf_printf(out, "profile %s: %zu plateau%s, servers %s, "
	    "activity %s", p->name ? p->name : "-", plan->n,
	    plan->n == 1 ? "" : "s", p->hub.servers ? "yes" : "no",
	    activity_names[p->activity.mode]);
	if (p->activity.mode != PROFILE_ACTIVITY_NONE)
		buf_printf(out, " every %gs per user", p->activity.interval);
	buf_addstr(out, ", captures ");
	for (k = 0; k < p->captures.nrun; k++)
		buf_printf(out, "%s%s", k ? "," : "",
		    capture_names[p->captures.run[k]]);
	if (p->captures.nrun == 0)
		buf_addstr(out, "none");
	/* said only when not the defaults, so the usual line stays short */
	if (p->arrivals.mode != PROFILE_ARRIVALS_BURST)
		buf_printf(out, ", arrivals %s %g/s",
		    arrivals_names[p->arrivals.mode], p->arrivals.rate);
	if (p->arrivals.session_length > 0)
		buf_printf(out, ", sessions of ~%gs", p->arrivals.session_length);
	if (p->hub.servers && p->spawn_phases.streams != 32)
		buf_printf(out, p->spawn_phases.streams ? ", spawn phases from "
		    "%d streams" : ", no spawn phases", p->spawn_phases.streams);
	if (p->sessions.mode == PROFILE_SESSIONS_BROWSE)
		buf_printf(out, ", users browse (login %s, think %g-%gs)",
		    login_names[p->sessions.login], p->sessions.think.min,
		    p->sessions.think.max);
	buf_addch(out, '\n');
	for (i = 0; i < plan->n; i++) {
		pp = &plan->p[i];
		buf_printf(out, "plateau %6d users: ramp from %d", pp->users,
		    pp->from);
		if (pp->nsteps > 1) {
			buf_addstr(out, " via");
			for (k = 0; k + 1 < pp->nsteps; k++)
				buf_printf(out, " %d", pp->steps[k]);
		}
		buf_addstr(out, " ~");
		add_seconds(out, pp->ramp_seconds);
		buf_addstr(out, ", settle ");
		add_seconds(out, pp->settle_seconds);
		buf_addstr(out, ", hold ");
		add_seconds(out, pp->hold_seconds);
		buf_addstr(out, ", captures ~");
		add_seconds(out, pp->capture_seconds);
		buf_printf(out, "; ~%lld requests\n", pp->requests);
	}
	buf_printf(out, "teardown %s: ~", teardown_names[p->teardown]);
	add_seconds(out, plan->teardown_seconds);
	buf_printf(out, "; ~%lld requests\n", plan->teardown_requests);
	buf_addstr(out, "total: ~");
	add_seconds(out, plan->total_seconds);
	buf_printf(out, ", ~%lld hub requests (an estimate: see "
	    "docs/profiles.md, \"The plan\")\n", plan->total_requests);
	return buf_error(out);
}
