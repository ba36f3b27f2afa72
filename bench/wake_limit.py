#!/usr/bin/env python3
"""What the best filter could do after a wake's first burst, in bench/firmware_sim's world.

    bench/wake_limit.py [--seeds N] [--hours H]

The world of bench/firmware_sim.cpp's deep-sleep table, reduced to what
decides the error after a wake's first burst: the sleep timer (a fixed error
of up to +-300 ppm and a daily swing of +-150 ppm, the rate in the middle of
each sleep), 5 s awake and 10 s, 60 s or 10 min asleep plus up to a second,
and one burst of four exchanges per wake over the path's queueing (Exp(4 ms)
each way: the burst's middle is off by half the difference of each way's
least queueing).  No crystal, no stalls, no asymmetry, the path's least delay
known: easier than the board's world.

The filter is the ideal one for that world: floating point, the timer's
model known (clock, rate and the rate's trend, with the trend's random walk
tuned to the swing), each burst weighed by its own spread.  Prints p99 of
|error| on waking and after the burst, per sleep, in ms: a floor under what
the board (integer, a model it must not assume) can reach.  The board's
figures also carry the path's invisible asymmetry (0.5 ms in
firmware_sim's world).
"""
import argparse
import math
import random


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(0.99 * len(values)))]


def run(seed, sleep_s, hours, jerk):
    rng = random.Random(seed)
    base, phase = rng.uniform(-300, 300), rng.uniform(0, 2 * math.pi)

    def rate_ppb(t):
        return 1e3 * (base + 150 * math.sin(2 * math.pi * t / 86400 + phase))

    t = 600.0
    truth = rng.gauss(0, 0.3e6)  # the clock's error after the first ten minutes awake, ns
    # State (theta ns, rho ppb, trend ppb/h) and its covariance.
    x = [0.0, 0.0, 0.0]
    p = [[0.3e6**2, 0, 0], [0, 300e3**2, 0], [0, 0, 40e3**2]]
    woke, burst, last = [], [], t
    while t < hours * 3600:
        s = sleep_s + rng.uniform(0, 1)
        truth += s * rate_ppb(t + s / 2)
        span = t + s - last
        f = [[1, s, s * (span - s / 2) / 3600], [0, 1, span / 3600], [0, 0, 1]]
        x = [sum(f[i][k] * x[k] for k in range(3)) for i in range(3)]
        fp = [[sum(f[i][k] * p[k][j] for k in range(3)) for j in range(3)] for i in range(3)]
        p = [[sum(fp[i][k] * f[j][k] for k in range(3)) for j in range(3)] for i in range(3)]
        p[2][2] += jerk**2 * span
        t += s
        woke.append(abs(truth - x[0]))
        fwd = min(rng.expovariate(1 / 4e6) for _ in range(4))
        bwd = min(rng.expovariate(1 / 4e6) for _ in range(4))
        z = truth + (fwd - bwd) / 2
        r = ((fwd + bwd) / math.sqrt(12) + 50e3) ** 2
        k = [p[i][0] / (p[0][0] + r) for i in range(3)]
        y = z - x[0]
        x = [x[i] + k[i] * y for i in range(3)]
        row = p[0][:]
        p = [[p[i][j] - k[i] * row[j] for j in range(3)] for i in range(3)]
        burst.append(abs(truth - x[0]))
        last = t
        t += 5
    return woke[20:], burst[20:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--jerk", type=float, default=100, help="the trend's random walk, ppb/h per sqrt(s)")
    a = ap.parse_args()
    print(f"ideal filter, {a.hours:g} simulated hours x {a.seeds} seeds: p99 |error|, ms")
    print(f"{'asleep':>8} {'on waking':>10} {'after burst':>12}")
    for sleep_s in (10, 60, 600):
        woke, burst = [], []
        for seed in range(a.seeds):
            w, b = run(seed, sleep_s, a.hours, a.jerk)
            woke += w
            burst += b
        print(f"{sleep_s:>6} s {p99(woke) / 1e6:>10.3f} {p99(burst) / 1e6:>12.3f}")


if __name__ == "__main__":
    main()
