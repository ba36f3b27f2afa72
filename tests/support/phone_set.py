#!/usr/bin/env python3
"""The set a phone's page makes (tools/sntpd-web/lansync.js), as one process.

phone_set.py URL ORIGIN CAFILE [EXTRA_JSON_FIELDS] [--source ADDRESS]

Eight exchanges over GET URL/exchange, each timed around its request alone (no
process start between the stamps; the TLS handshake before T1, as on a
browser's open connection; T1 rounded down to the millisecond and T4 up, as the
page widens them), then POST URL/set with the least-delay exchange's token and
stamps.  ORIGIN: the Origin header ("" for none); CAFILE: the certificate an
https URL is checked against ("" for http); EXTRA_JSON_FIELDS: more body
fields, e.g. '"time_zone":"Europe/Berlin"'; --source: the local address to send
from (a phone's address on the access point).  Prints the answer's body, then
its HTTP status, a line each.  Used by phone_set in tests/interop/lib.sh.
"""
import argparse
import http.client
import json
import ssl
import time
import urllib.parse

EXCHANGES = 8


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("origin")
    p.add_argument("cafile")
    p.add_argument("extra", nargs="?", default="")
    p.add_argument("--source", default="")
    a = p.parse_args()
    u = urllib.parse.urlparse(a.url)
    source = (a.source, 0) if a.source else None

    def connect():
        if u.scheme == "https":
            tls = ssl.create_default_context(cafile=a.cafile)
            c = http.client.HTTPSConnection(u.hostname, u.port, timeout=10, context=tls, source_address=source)
        else:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10, source_address=source)
        c.connect()
        return c

    best = None
    for _ in range(EXCHANGES):
        c = connect()
        t1 = time.time_ns() // 1000000
        c.request("GET", "/exchange", headers={"Cache-Control": "no-store"})
        x = json.loads(c.getresponse().read())
        t4 = -(-time.time_ns() // 1000000)
        c.close()
        delay = (t4 - t1) - (x["t3_ms"] - x["t2_ms"])
        if best is None or delay < best[0]:
            best = (delay, t1, t4, x["token"])
    c = connect()
    extra = "," + a.extra if a.extra else ""
    body = '{"token":"%s","t1_ms":%d,"t4_ms":%d%s}' % (best[3], best[1], best[2], extra)
    headers = {"Content-Type": "application/json"}
    if a.origin:
        headers["Origin"] = a.origin
    c.request("POST", "/set", body, headers)
    r = c.getresponse()
    print(r.read().decode().strip())
    print(r.status)


if __name__ == "__main__":
    main()
