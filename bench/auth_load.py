#!/usr/bin/env python3
"""Minimal, bounded NTP load for bench/auth.sh: signed client requests to
several loopback servers at once, at the same paced rate, counting the replies
of each that carry a valid MAC by the same key.

    auth_load.py --rate N --seconds S --key-type SHA256|SHA512|none --key HEX PORT...

Loopback only (127.0.0.1); at most 50 000 requests/s per server and 30 s.
Requests are signed in advance (1024 of them per server, each with its own
transmit cookie) so that the generator's own hashing stays out of the loop.
Prints one line per server: "PORT sent N replies N signed_ok N".
"""
import argparse
import hashlib
import os
import socket
import sys
import time

MAX_RATE, MAX_SECONDS = 50_000, 30


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, required=True, help="requests per second, per server")
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--key-type", default="SHA256", choices=["SHA256", "SHA512", "none"])
    ap.add_argument("--key-id", type=int, default=1)
    ap.add_argument("--key", default="", help="the key, hex")
    ap.add_argument("ports", type=int, nargs="+")
    a = ap.parse_args()
    rate, seconds = min(a.rate, MAX_RATE), min(a.seconds, MAX_SECONDS)
    h = {"SHA256": hashlib.sha256, "SHA512": hashlib.sha512}.get(a.key_type)
    key = bytes.fromhex(a.key)

    def sign(packet):
        if h is None:
            return packet
        return packet + a.key_id.to_bytes(4, "big") + h(key + packet).digest()[:20]

    requests = []
    for _ in range(1024):
        header = bytearray(48)
        header[0] = 4 << 3 | 3
        header[40:48] = os.urandom(8)
        requests.append(sign(bytes(header)))

    socks = []
    for port in a.ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        socks.append(s)
    sent = [0] * len(socks)
    replies = [0] * len(socks)
    signed_ok = [0] * len(socks)

    def drain(i):
        s = socks[i]
        while True:
            try:
                d = s.recv(2048)
            except (BlockingIOError, ConnectionRefusedError):
                return
            replies[i] += 1
            if h is None or (len(d) == 72 and h(key + d[:48]).digest()[:20] == d[52:]):
                signed_ok[i] += 1

    total = int(rate * seconds)
    start = time.monotonic()
    for n in range(total):
        due = start + n / rate
        while time.monotonic() < due:
            for i in range(len(socks)):
                drain(i)
        req = requests[n % len(requests)]
        for i, s in enumerate(socks):  # the same request to every server, back to back
            try:
                s.send(req)
                sent[i] += 1
            except (BlockingIOError, ConnectionRefusedError):
                pass
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        for i in range(len(socks)):
            drain(i)
    for i, port in enumerate(a.ports):
        print(f"{port} sent {sent[i]} replies {replies[i]} signed_ok {signed_ok[i]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
