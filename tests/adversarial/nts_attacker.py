"""The attacks of nts_attacks.sh on sntpd's NTS server (RFC 8915), one subcommand each.

capture PORT OUT SECONDS: records, from loopback, the NTP requests with NTS fields sent to PORT
  (a real client's: ntpprobe --nts), one hex line each, until SECONDS pass or 16 are seen.
packets HOST PORT CAPTURED: replays, modifies (every byte after the header, one at a time),
  truncates (every 4 bytes) and forges (random cookies) the captured requests; prints one JSON
  object: how many got a reply carrying an NTS authenticator, the longest reply against its
  request, and the replies to the replay.
flood HOST PORT CAPTURED COUNT: sends COUNT replays of the captured request with the most
  placeholders (cookie exhaustion: each asks for 8 new cookies), at most 10 s; prints the count.
ke HOST PORT CA: malformed NTS-KE requests over TLS 1.3 (ALPN ntske/1); prints, per case, the
  error code answered (or "closed").
halfopen HOST PORT COUNT HOLD_FILE: opens COUNT TCP connections that send nothing (then a second
  batch sends half a ClientHello), writes HOLD_FILE when all are open and keeps them until it is
  removed (at most 60 s).
"""
import errno, json, os, random, resource, select, socket, ssl, struct, sys, time


def fields(pkt):
    """The extension fields after the 48-byte header: (type, offset, length)."""
    out, off = [], 48
    while off + 4 <= len(pkt):
        t, n = struct.unpack(">HH", pkt[off:off + 4])
        if n < 4 or off + n > len(pkt):
            break
        out.append((t, off, n))
        off += n
    return out


def capture(port, out, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind(("lo", 0))
    s.settimeout(0.2)
    seen, end = [], time.time() + seconds
    open(out + ".ready", "w").close()
    while time.time() < end and len(seen) < 16:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        ip = frame[14:]
        if ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        dport = struct.unpack(">H", ip[ihl + 2:ihl + 4])[0]
        payload = ip[ihl + 8:]
        if dport == port and len(payload) > 48 and any(t == 0x0204 for t, _, _ in fields(payload)):
            seen.append(payload.hex())
    with open(out, "w") as f:
        f.write("\n".join(seen) + ("\n" if seen else ""))


def ask(sock, addr, pkt):
    sock.sendto(pkt, addr)
    try:
        return sock.recv(4096)
    except socket.timeout:
        return None


def packets(host, port, captured):
    reqs = [bytes.fromhex(l) for l in open(captured).read().split()]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.3)
    addr = (host, port)
    res = {"sent": 0, "authenticated": 0, "longer": 0, "replay_answers": 0, "ntsn": 0}

    def try_one(pkt, expect_auth=False):
        res["sent"] += 1
        r = ask(s, addr, pkt)
        if r is None:
            return None
        if len(r) > len(pkt):
            res["longer"] += 1
        if r[1] == 0 and r[12:16] == b"NTSN":
            res["ntsn"] += 1
        if not expect_auth and any(t == 0x0404 for t, _, _ in fields(r)):
            res["authenticated"] += 1
        return r

    req = reqs[0]
    for _ in range(3):  # a replay: answered (the client, not the server, rejects it), never longer
        if try_one(req, expect_auth=True) is not None:
            res["replay_answers"] += 1
    for i in range(48, len(req)):
        bad = bytearray(req)
        bad[i] ^= 1 << (i % 8)
        try_one(bytes(bad))
    for cut in range(len(req) - 4, 48, -4):
        try_one(req[:cut])
    rng = random.Random(66)
    for _ in range(200):
        forged = bytearray(req)
        for t, off, n in fields(req):
            # A new cookie, a new nonce and ciphertext (their lengths kept: well formed).
            start = off + 4 if t == 0x0204 else off + 8 if t == 0x0404 else off + n
            forged[start:off + n] = bytes(rng.randrange(256) for _ in range(off + n - start))
        try_one(bytes(forged))
    print(json.dumps(res))


def flood(host, port, captured, count):
    reqs = [bytes.fromhex(l) for l in open(captured).read().split()]
    req = max(reqs, key=len)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    sent, end = 0, time.time() + 10
    while sent < count and time.time() < end:
        try:
            s.sendto(req, (host, port))
            sent += 1
        except BlockingIOError:
            select.select([], [s], [], 0.01)
        try:
            while True:
                s.recv(4096)
        except BlockingIOError:
            pass
    print(sent)


def ke_case(host, port, ca, payload, chunk):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.set_alpn_protocols(["ntske/1"])
    raw = socket.create_connection((host, port), timeout=5)
    t = ctx.wrap_socket(raw, server_hostname=host)
    try:
        for i in range(0, len(payload), chunk):
            t.sendall(payload[i:i + chunk])
        data = b""
        while True:
            d = t.recv(4096)
            if not d:
                break
            data += d
    except (ssl.SSLError, OSError):
        pass
    t.close()
    if len(data) >= 6 and struct.unpack(">H", data[0:2])[0] & 0x7FFF == 2:
        return "error %d" % struct.unpack(">H", data[4:6])[0]
    if len(data) >= 4 and struct.unpack(">H", data[0:2])[0] & 0x7FFF == 1:
        return "answered"
    return "closed"


def ke(host, port, ca):
    rec = lambda t, body, c=True: struct.pack(">HH", (0x8000 if c else 0) | t, len(body)) + body
    good = rec(1, b"\0\0") + rec(4, b"\0\x0f") + rec(0, b"")
    cases = {
        "good": (good, 4096),
        "good_in_1_byte_records": (good, 1),
        "unknown_critical": (rec(1, b"\0\0") + rec(4, b"\0\x0f") + rec(1234, b"x") + rec(0, b""), 4096),
        "no_protocol": (rec(4, b"\0\x0f") + rec(0, b""), 4096),
        "protocol_twice": (rec(1, b"\0\0") + rec(1, b"\0\0") + rec(4, b"\0\x0f") + rec(0, b""), 4096),
        "odd_aead_list": (rec(1, b"\0\0") + rec(4, b"\0\x0f\0") + rec(0, b""), 4096),
        "error_from_client": (rec(1, b"\0\0") + rec(4, b"\0\x0f") + rec(2, b"\0\1") + rec(0, b""), 4096),
        "trailing_bytes": (good + b"\0\0", 4096),
        "huge_no_end": (rec(1, b"\0\0") + rec(4, b"\0\x0f") + rec(99, bytes(2000), False), 4096),
        "truncated_then_silent": (good[:7], 4096),
    }
    out = {}
    for name, (payload, chunk) in cases.items():
        out[name] = ke_case(host, port, ca, payload, chunk)
    print(json.dumps(out))


def halfopen(host, port, count, hold):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    socks, end = [], time.time() + 60
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex((host, port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            continue
        socks.append(s)
    # Half a TLS ClientHello on the connections that are up by now: a record header promising more.
    for s in socks[: count // 2]:
        try:
            s.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        except OSError:
            pass
    open(hold, "w").close()
    while os.path.exists(hold) and time.time() < end:
        time.sleep(0.1)
    for s in socks:
        s.close()
    print(len(socks))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "capture":
        capture(int(args[0]), args[1], float(args[2]))
    elif cmd == "packets":
        packets(args[0], int(args[1]), args[2])
    elif cmd == "flood":
        flood(args[0], int(args[1]), args[2], int(args[3]))
    elif cmd == "ke":
        ke(args[0], int(args[1]), args[2])
    elif cmd == "halfopen":
        halfopen(args[0], int(args[1]), int(args[2]), args[3])
