/* postmortem.c -- what maintainers ask a hub's reporter for: info, packages, the log before a restart, events */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "capture/capture.h"
#include "core/buf.h"
#include "core/file.h"
#include "core/loop.h"
#include "load/hub.h"
#include "measure/measure.h"
#include "run/artifacts.h"
#include "run/postmortem.h"
#include "run/redact.h"

#define BUNDLE_FILE_MAX	(64u << 20)

static void
join(char *dst, size_t n, const char *dir, const char *name)
{
	snprintf(dst, n, "%s/%s", dir, name);
}

int
postmortem_info(struct loop *l, const char *api_url, const char *token,
    int timeout_s, const char *dir, char summary[64], struct hs_errbuf *eb)
{
	struct hub_config hc = HUB_CONFIG_INIT;
	struct measure *m = NULL;
	struct hub *h = NULL;
	cJSON *info = NULL;
	const cJSON *v, *py;
	const char *pyv;
	size_t pyn;
	char *text = NULL, path[4096];
	long st = 0;
	int r;

	summary[0] = '\0';
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	hc.url = api_url;
	hc.token = token;
	hc.timeout_s = timeout_s;
	hc.max_tries = 1;
	if ((r = hub_new(&h, l, &hc, m, eb)) != 0)
		goto out;
	if ((r = hub_get_json(h, MC_OTHER, "/info", &info, &st, eb)) != 0)
		goto out;
	if (st != 200 || !cJSON_IsObject(info)) {
		r = hs_error(eb, HS_EHUB, "GET /hub/api/info answered %ld%s", st,
		    st == 403 ? " (the token lacks the read:hub scope)" : "");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(info, "version");
	py = cJSON_GetObjectItemCaseSensitive(info, "python");
	/* "python" is sys.version: "3.11.2 (main, Apr 28 2025, ...)" */
	pyv = cJSON_IsString(py) ? py->valuestring : "?";
	pyn = strcspn(pyv, " \n");
	snprintf(summary, 64, "hub %.20s, python %.*s", cJSON_IsString(v) ?
	    v->valuestring : "?", (int)(pyn < 30 ? pyn : 30), pyv);
	if ((text = cJSON_Print(info)) == NULL) {
		r = hs_error(eb, HS_ENOMEM, "out of memory");
		goto out;
	}
	join(path, sizeof(path), dir, "info.json");
	r = file_write_atomic(path, text, strlen(text), FILE_MODE, eb);
out:
	cJSON_free(text);
	cJSON_Delete(info);
	hub_free(h);
	free(m);
	return r;
}

int
postmortem_previous(struct target *t, const char *dir, int tail,
    struct hs_errbuf *eb)
{
	char path[4096];

	join(path, sizeof(path), dir, "hub-previous.log");
	return capture_previous_logs(t, path, tail, eb);
}

int
postmortem_events(struct target *t, const char *dir, int *n,
    struct hs_errbuf *eb)
{
	char path[4096];

	join(path, sizeof(path), dir, "events.txt");
	return capture_events(t, path, n, eb);
}

int
postmortem_packages(struct target *t, const char *dir, int timeout_s,
    int *n, struct hs_errbuf *eb)
{
	struct buf b = BUF_INIT(BUNDLE_FILE_MAX);
	char path[4096];
	size_t i;
	int r;

	*n = 0;
	join(path, sizeof(path), dir, "packages.txt");
	if ((r = capture_packages(t, path, (int64_t)timeout_s * 1000, eb)) != 0)
		return r;
	if (file_read(path, &b, NULL) == 0)
		for (i = 0; i < b.len; i++)
			*n += b.data[i] == '\n';
	buf_release(&b);
	return 0;
}

int
postmortem_redact(const char *dir, const char *token, long long *nred,
    struct hs_errbuf *eb)
{
	struct redact rd = REDACT_INIT;
	int r;

	*nred = 0;
	if (token != NULL && *token != '\0' &&
	    redact_add_secret(&rd, token) != 0)
		return hs_error(eb, HS_ENOMEM, "out of memory");
	/* as an archive is: dumps parsed, secrets learned, then swept */
	r = artifacts_redact_dir(dir, &rd, nred, eb);
	redact_release(&rd);
	return r;
}
