#!/usr/bin/python3
"""secret_check.py -- is any of these secrets in these files, in any form?

usage: secret_check.py SECRETS_FILE PATH...

SECRETS_FILE holds one secret a line. Every regular file under each PATH
(and the decompressed stream of a .tar.gz) is searched for each secret in
five forms: plain, HTML-escaped (with &#39; and &#x27; for the quote),
JSON-escaped, URL-encoded and base64 (the characters the secret alone
determines, at each of the three alignments). Prints one line per hit,
"FILE: FORM of secret N", and exits 1 when there is any; else prints the
number of files read and exits 0. Written apart from hubspy's own
redactor (tests only), so that the two do not share a mistake.
"""
import base64
import gzip
import html
import json
import os
import sys
import urllib.parse


def forms(s):
    b = s.encode()
    out = {"plain": {b},
           "HTML-escaped": {html.escape(s).encode(),
                            html.escape(s).replace("&#x27;", "&#39;").encode(),
                            html.escape(s, quote=False).encode()},
           "JSON-escaped": {json.dumps(s)[1:-1].encode(),
                            json.dumps(s, ensure_ascii=False)[1:-1].encode()},
           "URL-encoded": {urllib.parse.quote(s, safe="").encode(),
                           urllib.parse.quote_plus(s).encode()},
           "base64": set()}
    for skip in range(3):
        core = b[skip:]
        core = core[:len(core) // 3 * 3]
        if len(core) >= 6:
            out["base64"].add(base64.b64encode(core))
            out["base64"].add(base64.urlsafe_b64encode(core))
    return out


def files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
        for d, _, names in os.walk(p):
            for n in sorted(names):
                f = os.path.join(d, n)
                if os.path.isfile(f) and not os.path.islink(f):
                    yield f


def main():
    secrets = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
    table = [(i + 1, name, f) for i, s in enumerate(secrets)
             for name, fs in forms(s).items() for f in fs if f]
    hits = n = 0
    for path in files(sys.argv[2:]):
        data = open(path, "rb").read()
        if path.endswith(".gz"):
            data += gzip.decompress(data)
        n += 1
        for i, name, f in table:
            if f in data:
                print("%s: %s of secret %d" % (path, name, i))
                hits += 1
    if hits:
        sys.exit(1)
    print("%d files, no secret in any form" % n)


main()
