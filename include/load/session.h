/* session.h -- browser-like user sessions: own token, login, pages, proxy */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/hs.h"
#include "load/hub.h"

/*
 * While a fake user's server runs, its session acts like a person with a
 * browser tab of JupyterLab open: with its OWN credentials (a token minted
 * for the user through the API by the service token; a login cookie from
 * the hub's login form where the hub offers one) it repeatedly, after a
 * think time, loads a hub page (/hub/home with the cookie), asks the hub
 * who it is (GET /hub/api/user with its token) and requests its own server
 * through the hub's public proxy (/user/NAME/api/..., which makes the
 * single-user server check the token against the hub). A logged-in user
 * first opens its server as a browser does (a page of the server, whose
 * redirect to the hub's OAuth authorize, the hub's redirect back and the
 * server's token exchange give the user the server's own cookie), then
 * requests its server with that cookie instead of the token. Each user has at
 * most one request in flight; all sessions together at most
 * cfg.concurrency, the rest wait their turn. While its server starts, the
 * user also reads the spawn's progress event stream with its token (as
 * the spawn-pending page does; a stream is not counted in concurrency).
 * Every attempt is measured in the hub's struct measure under MC_MINT,
 * MC_LOGIN, MC_SPAWNPEND, MC_OAUTH, MC_PAGE, MC_OWNAPI, MC_PROXY or
 * MC_PROGRESS; a failed request
 * is data, never an end.
 *
 * The tokens and cookies live only in this module's memory: never in
 * argv, the environment or a file; wiped by sessions_free().
 */
struct sessions;

enum session_login {
	SESSION_LOGIN_AUTO,	/* the form where the hub offers one */
	SESSION_LOGIN_FORM,	/* the form, or the preflight fails */
	SESSION_LOGIN_NONE,	/* token only: no hub pages */
};

/* the request mix: relative weights of the three browse actions */
struct session_mix {
	int	 page, own_api, proxy;
};

struct session_config {
	const char	*public_url;	/* http://host:port (no /hub/api) */
	enum session_login login;
	struct session_mix mix;
	int		 think_min_ms, think_max_ms;	/* between requests */
	int		 concurrency;	/* session requests in flight (16) */
	int		 timeout_s;	/* per request (30) */
	int		 token_expires_s;	/* minted tokens (86400) */
	int		 progress;	/* read the progress stream (1) */
	int		 progress_timeout_s;	/* a stream at most (300) */
	int		 open_server;	/* after the login, open the server as
					 * a browser does: OAuth (1) */
	/* notable events, one line each ("login failed for ...") */
	void		(*on_event)(void *arg, const char *line);
	void		*arg;
};
/* the defaults: what one JupyterLab tab does (docs/load.md, "Sessions") */
#define SESSION_CONFIG_INIT { NULL, SESSION_LOGIN_AUTO, { 5, 10, 85 }, \
	5000, 15000, 16, 30, 86400, 1, 300, 1, NULL, NULL }

struct session_stats {
	size_t	 users;		/* sessions begun */
	size_t	 browsing;	/* running now */
	size_t	 minted, mint_failed, logged_in, login_failed;
	size_t	 opened;	/* servers opened with their own cookie */
};

/* validates cfg (public URL, weights, think times) and copies it; the hub
 * (borrowed, must outlive the sessions) mints the tokens with its service
 * token; returns 0, HS_EUSAGE, HS_ENOMEM */
int	 sessions_new(struct sessions **sp, struct hub *h,
	    const struct session_config *cfg, struct hs_errbuf *eb);
/* cancels every session request and timer, wipes tokens and cookies */
void	 sessions_free(struct sessions *s);

/*
 * Synchronous, before anything is created on the hub (hub_preflight() has
 * run): the service token may mint user tokens ('tokens' scope), the
 * public URL reaches the hub (GET /hub/api/ through it), and the login
 * the config asks for is offered (GET /hub/login shows a form with a
 * username and a password). Returns 0, HS_EAUTH (the scope, named),
 * HS_EHUB (the public URL does not reach the hub) or HS_EUSAGE (a form
 * login asked for that the hub does not offer), one line in eb.
 */
int	 sessions_preflight(struct sessions *s, struct hs_errbuf *eb);
/* 1 when the preflight found a login form the sessions will use */
int	 sessions_login_form(const struct sessions *s);

/* user name's server was asked to start: the user reads the progress
 * stream (minting its token first when it has none) and, where the hub
 * offers the login form, does what a browser does after clicking start:
 * logs in (once) and loads /hub/spawn-pending/NAME with its cookie
 * (MC_SPAWNPEND) */
int	 sessions_starting(struct sessions *s, const char *name);
/* user name's server is ready: its session begins (mint, login, browse),
 * or resumes with the credentials it has */
int	 sessions_begin(struct sessions *s, const char *name);
/* user name's session ends (its server stops); its token is kept */
void	 sessions_end(struct sessions *s, const char *name);
/* every session ends: nothing more is sent */
void	 sessions_end_all(struct sessions *s);
void	 sessions_stats(const struct sessions *s, struct session_stats *st);

/* --- pure helpers (unit-tested) --- */
/* which action r (uniform 32-bit) picks: 0 page, 1 own_api, 2 proxy;
 * -1 when every allowed weight is 0; page only when can_page */
int	 session_pick(const struct session_mix *mix, int can_page,
	    uint32_t r);
/* the value of the form input named name (value="..." in the same tag)
 * into dst; 0, or -1 when absent or too long */
int	 session_form_value(const char *html, const char *name, char *dst,
	    size_t n);
/* 1 when html holds a form with inputs named username and password */
int	 session_form_offered(const char *html);
/* a Set-Cookie header value ("k=v; Path=/; HttpOnly") into the jar
 * "k1=v1; k2=v2" (*jarp, malloc'd or NULL): k replaced or appended, an
 * empty value (a cleared cookie) removes k; 0, HS_EUSAGE (malformed),
 * HS_ELIMIT (the jar would pass 4096 bytes) or HS_ENOMEM */
int	 session_cookie_set(char **jarp, const char *setcookie);
/* the POST /users/NAME/tokens body: the scopes a single-user server and
 * a browser of this user hold, appended to b */
int	 session_mint_body(struct buf *b, const char *name, int expires_s);

#endif
