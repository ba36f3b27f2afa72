#!/usr/bin/env python3
"""The HTTP attacks of tests/adversarial/http_attacks.sh (bench/rss.sh runs them too).

    http_attacker.py SNTPD_PID NTP_PORT HTTP_PORT

One after the other, each bounded in bytes and time, against the web side on
127.0.0.1:HTTP_PORT from 127.0.0.1: a 300 MB request line without LF, a POST
/set with a 300 MB chunked body, a POST with a 300 MB body and no
Content-Length, 100 000 headers, 64 connections trickling a byte a second
(15 s), 2000 idle connections.  Meanwhile an NTP request every 50 ms to
127.0.0.1:NTP_PORT (counted per attack: sent, answered) and the web process
(SNTPD_PID's child named sntpd-web, or SNTPD_PID itself when it has none)
sampled: its highest VmHWM per pid.  While connections are held, a phone at
127.0.0.2 asks GET /time.  Prints one JSON object on stdout, progress on
stderr.  Loopback only; it touches no clock.
"""
import http.client, json, os, resource, socket, struct, sys, threading, time

victim, ntp_port, http_port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
MB = 1 << 20
HOST = f"Host: 127.0.0.1:{http_port}\r\n".encode()
log = lambda *a: print(*a, file=sys.stderr, flush=True)

def status_kb(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out

def web_pid():
    """sntpd's child named sntpd-web; sntpd itself when it has none."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == victim and comm == "sntpd-web":
            return int(d)
    return victim

phase = ["start"]
ntp = {}        # phase -> [sent, answered]
web = {}        # web pid -> highest VmHWM seen (kB)
done = threading.Event()

def monitor():
    """NTP requests every 50 ms, each reply matched by its transmit timestamp; the web process sampled."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.05)
    pending = {}
    while not done.is_set():
        p = phase[0]
        ntp.setdefault(p, [0, 0])
        xmt = struct.pack("!Q", int.from_bytes(os.urandom(8), "big"))
        s.sendto(b"\x23" + bytes(39) + xmt, ("127.0.0.1", ntp_port))
        pending[xmt] = p
        ntp[p][0] += 1
        try:
            while True:
                reply = s.recv(512)
                q = pending.pop(reply[24:32], None)
                if q is not None:
                    ntp[q][1] += 1
        except (socket.timeout, BlockingIOError):
            pass
        pid = web_pid()
        hwm = status_kb(pid).get("VmHWM")
        if hwm is not None:
            web[pid] = max(web.get(pid, 0), hwm)

def connect(timeout=5):
    c = socket.create_connection(("127.0.0.1", http_port), timeout=timeout, source_address=("127.0.0.1", 0))
    c.settimeout(timeout)
    return c

def answer(c):
    """The status line of whatever the server answered (within 3 s), or how it ended."""
    try:
        c.settimeout(3)
        data = c.recv(4096)
        return data.split(b"\r\n", 1)[0].decode(errors="replace") if data else "closed"
    except OSError as e:
        return type(e).__name__

def stream(c, head, body_chunk, count, limit_s=10):
    """Sends head then body_chunk count times, until the server stops taking it or limit_s passes."""
    sent, end = 0, time.monotonic() + limit_s
    try:
        c.sendall(head)
        for _ in range(count):
            if time.monotonic() > end:
                break
            c.sendall(body_chunk)
            sent += len(body_chunk)
    except OSError as e:
        return sent, type(e).__name__
    return sent, None

results = {}
def attack(name, fn):
    phase[0] = name
    t0 = time.monotonic()
    try:
        results[name] = fn()
    except OSError as e:
        results[name] = {"error": type(e).__name__}
    results[name]["seconds"] = round(time.monotonic() - t0, 1)
    results[name]["sntpd_kb"] = status_kb(victim)
    log(name, results[name])
    # An attack refused at once (411, 414, 431) ends in no time: its phase lasts 0.5 s at least,
    # so that NTP is still sampled during it.
    time.sleep(max(0.0, 0.5 - (time.monotonic() - t0)))

def one_request(head, chunk, count, end=b"", shut=False):
    """One connection: head, chunk count times, then end (or half-close); what was sent and answered."""
    c = connect()
    sent, err = stream(c, head, chunk, count)
    try:
        if err is None and end:
            c.sendall(end)
        if shut:
            c.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    r = {"sent_mb": round(sent / MB, 1), "stopped": err, "answer": answer(c)}
    c.close()
    return r

def long_line():
    return one_request(b"GET /", b"a" * MB, 300)

def chunked_body():
    head = b"POST /set HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    return one_request(head, b"100000\r\n" + b"x" * MB + b"\r\n", 300, end=b"0\r\n\r\n")

def no_length_body():
    head = b"POST /set HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\nConnection: close\r\n\r\n"
    return one_request(head, b"x" * MB, 300, shut=True)

def many_headers():
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(100000))
    return one_request(b"GET /time HTTP/1.1\r\n" + HOST, headers + b"\r\n", 1)

def phone_gets_time():
    """GET /time from another address, as a phone would, while the attack holds its connections."""
    try:
        h = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5, source_address=("127.0.0.2", 0))
        h.request("GET", "/time")
        ok = h.getresponse().status == 200
        h.close()
        return ok
    except (OSError, http.client.HTTPException):
        return False

def slow_connections():
    conns, refused = [], 0
    for _ in range(64):
        try:
            conns.append(connect(timeout=2))
        except OSError:
            refused += 1
    request = b"GET /time HTTP/1.1\r\n" + HOST + b"X-Slow: " + b"s" * 64
    closed, phone = 0, []
    asker = threading.Timer(5, lambda: phone.append(phone_gets_time()))
    asker.start()
    for i in range(15):  # one byte a second from each, 15 s
        for c in list(conns):
            try:
                c.send(request[i:i + 1])
            except OSError:
                conns.remove(c)
                c.close()
                closed += 1
        time.sleep(1)
    asker.join()
    for c in conns:
        c.close()
    return {"opened": 64 - refused, "closed_by_server": closed, "phone_got_time": phone == [True]}

def idle_connections():
    """2000 connections opened at once (non-blocking), held 3 s without a byte."""
    import selectors
    sel, conns = selectors.DefaultSelector(), []
    for _ in range(2000):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.bind(("127.0.0.1", 0))
        c.connect_ex(("127.0.0.1", http_port))
        conns.append(c)
        sel.register(c, selectors.EVENT_WRITE)
    opened, end = 0, time.monotonic() + 5
    while opened < len(conns) and time.monotonic() < end:
        for key, _ in sel.select(timeout=0.5):
            sel.unregister(key.fileobj)
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                opened += 1
    time.sleep(3)
    phone = phone_gets_time()
    held = 0  # still open, the server silent
    for c in conns:
        try:
            if c.recv(1):
                pass
        except BlockingIOError:
            held += 1
        except OSError:
            pass
        c.close()
    return {"opened": opened, "held_open": held, "phone_got_time": phone}

before = status_kb(victim)
threading.Thread(target=monitor, daemon=True).start()
time.sleep(1)
attack("long_line", long_line)
attack("chunked_body", chunked_body)
attack("no_length_body", no_length_body)
attack("many_headers", many_headers)
attack("slow_connections", slow_connections)
attack("idle_connections", idle_connections)
phase[0] = "after"
time.sleep(3)
done.set()
time.sleep(0.2)
print(json.dumps({"before": before, "after": status_kb(victim), "ntp": ntp,
                  "web": {str(k): v for k, v in web.items()}, "attacks": results}))
