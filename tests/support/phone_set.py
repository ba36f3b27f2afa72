#!/usr/bin/env python3
"""The set a phone's page makes, as one process: sntpd-web's or a board's.

phone_set.py URL ORIGIN CAFILE [EXTRA_JSON_FIELDS] [--source ADDRESS] [--offset-ms MS] [--board]

sntpd-web's page (tools/sntpd-web/lansync.js): eight exchanges over GET
URL/exchange, each timed around its request alone (no process start between
the stamps; the TLS handshake before T1, as on a browser's open connection; T1
rounded down to the millisecond and T4 up, as the page widens them), then POST
URL/set with the least-delay exchange's token and stamps.
--board: a board's page (firmware/board/board_http.cpp): one exchange, stamped
with whole milliseconds as Date.now() gives them, the Origin sent with the
exchange too, then PUT URL/time; measured again, at most 5 times, while the board answers
"measure again" (the round trip was too long), as a person presses again.
ORIGIN: the Origin header ("" for none); CAFILE: the certificate an https URL
is checked against ("" for http); EXTRA_JSON_FIELDS: more body fields, e.g.
'"time_zone":"Europe/Berlin"'; --source: the local address to send from (a
phone's address on the access point); --offset-ms: this phone's clock is that far
ahead of this machine's (a phone whose clock is off).  Sent with User-Agent
"phone_set.py".  Prints three lines: "T1_MS T4_MS TOKEN"
of the exchange sent, the answer's body, its HTTP status.  Used by phone_set
and board_set in tests/interop/lib.sh.
"""
import argparse
import http.client
import json
import ssl
import time
import urllib.parse

PAGE_EXCHANGES = 8  # lansync.js keeps the least-delay of eight
BOARD_ATTEMPTS = 5  # presses of the board page's button while it says "measure again"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("origin")
    p.add_argument("cafile")
    p.add_argument("extra", nargs="?", default="")
    p.add_argument("--source", default="")
    p.add_argument("--offset-ms", type=int, default=0)
    p.add_argument("--board", action="store_true")
    a = p.parse_args()
    u = urllib.parse.urlparse(a.url)
    source = (a.source, 0) if a.source else None
    headers = {"User-Agent": "phone_set.py"}
    if a.origin:
        headers["Origin"] = a.origin

    def now_ns():
        return time.time_ns() + a.offset_ms * 1000000

    def connect():
        if u.scheme == "https":
            tls = ssl.create_default_context(cafile=a.cafile)
            c = http.client.HTTPSConnection(u.hostname, u.port, timeout=10, context=tls, source_address=source)
        else:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=10, source_address=source)
        c.connect()
        return c

    def exchange():
        """One timed GET /exchange: (delay_ms, t1_ms, t4_ms, token)."""
        c = connect()
        t1 = now_ns() // 1000000
        c.request("GET", "/exchange", headers=headers if a.board else {"Cache-Control": "no-store"})
        x = json.loads(c.getresponse().read())
        t4 = now_ns() // 1000000 if a.board else -(-now_ns() // 1000000)
        c.close()
        delay = (t4 - t1) - (x.get("t3_ms", 0) - x.get("t2_ms", 0))
        return delay, t1, t4, x.get("token", "")

    def send(t1, t4, token):
        """The set with one exchange's stamps: (body, status)."""
        c = connect()
        extra = "," + a.extra if a.extra else ""
        body = '{"token":"%s","t1_ms":%d,"t4_ms":%d%s}' % (token, t1, t4, extra)
        c.request("PUT" if a.board else "POST", "/time" if a.board else "/set", body,
                  dict(headers, **{"Content-Type": "application/json"}))
        r = c.getresponse()
        return r.read().decode().strip(), r.status

    if a.board:
        for _ in range(BOARD_ATTEMPTS):
            _, t1, t4, token = exchange()
            out, status = send(t1, t4, token)
            if "measure again" not in out:
                break
    else:
        _, t1, t4, token = min(exchange() for _ in range(PAGE_EXCHANGES))
        out, status = send(t1, t4, token)
    print(t1, t4, token)
    print(out)
    print(status)


if __name__ == "__main__":
    main()
