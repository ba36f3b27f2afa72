#!/usr/bin/env python3
"""A GPS receiver's NMEA reports: a 3D fix, one report a second.

Usage: nmea_log.py START_UNIX COUNT > LOG
       nmea_log.py --send HOST:PORT COUNT AHEAD_S

Each report is what a common receiver sends once a second (RMC, GGA, GSA).  The first form
writes a log for gpsfake, the reports for the UTC seconds START_UNIX + k, k = 0 .. COUNT - 1;
its "Delay-Cookie" header has gpsfake send them one at a time, a second apart (its pacing, not
the report times, says when gpsd receives each one).  The second form is the receiver itself,
for gpsd's udp:// source: COUNT reports, each sent in one datagram 100 ms after a second of this
machine's clock (the delay of a receiver's serial sentences), reporting that second plus
AHEAD_S whole seconds (this machine's clock is that far behind the receiver's).  Python's
standard library only.
"""
import datetime
import socket
import sys
import time


def sentence(body):
    """One NMEA sentence: $BODY*XX with its checksum, CR LF."""
    checksum = 0
    for ch in body:
        checksum ^= ord(ch)
    return "$%s*%02X\r\n" % (body, checksum)


def report(unix):
    """The sentences of the report for the UTC second unix."""
    t = datetime.datetime.fromtimestamp(unix, datetime.timezone.utc)
    hms = t.strftime("%H%M%S") + ".00"
    position = "4807.038,N,01131.000,E"
    return (sentence("GPRMC,%s,A,%s,0.0,0.0,%s,,,A" % (hms, position, t.strftime("%d%m%y"))) +
            sentence("GPGGA,%s,%s,1,08,0.9,545.4,M,46.9,M,," % (hms, position)) +
            sentence("GPGSA,A,3,04,05,09,12,24,25,29,31,,,,,1.8,0.9,1.5"))


def send(dest, count, ahead):
    """Sends count reports to dest (HOST:PORT), each 100 ms after a second, for that second + ahead."""
    host, port = dest.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(count):
        now = time.time()
        second = int(now) + 1
        time.sleep(second + 0.1 - now)
        sock.sendto(report(second + ahead).encode(), (host, int(port)))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    if len(sys.argv) != 3:
        sys.exit("usage: nmea_log.py START_UNIX COUNT | --send HOST:PORT COUNT AHEAD_S")
    start, count = int(sys.argv[1]), int(sys.argv[2])
    out = ["# Delay-Cookie: @ 1.0\n"]
    out += [report(start + k) + "@" for k in range(count)]
    sys.stdout.write("".join(out))


main()
