#!/usr/bin/env python3
"""Writes an NMEA log for gpsfake: a receiver with a 3D fix, one report a second.

Usage: nmea_log.py START_UNIX COUNT > LOG

Each report is what a common receiver sends once a second (RMC, GGA, GSA) for the UTC second
START_UNIX + k, k = 0 .. COUNT - 1.  A "Delay-Cookie" header has gpsfake send the reports one
at a time, a second apart (its pacing, not the report times, says when gpsd receives each one).
Python's standard library only.
"""
import datetime
import sys


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


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: nmea_log.py START_UNIX COUNT")
    start, count = int(sys.argv[1]), int(sys.argv[2])
    out = ["# Delay-Cookie: @ 1.0\n"]
    out += [report(start + k) + "@" for k in range(count)]
    sys.stdout.write("".join(out))


main()
