#!/usr/bin/env python3
"""A Raspberry Pi's temperatures and crystal frequency, one sample a simulated second.

The temp_* simulation scenarios (tests/sim/thermal.sh) give these to clknetsim: the crystal's
frequency error as the daemon's node frequency (clknetsim's `(file "FREQ")`, which returns the
file's next number at each evaluation, once a simulated second), and the SoC sensor's readings to
the file the daemon reads as /sys/class/thermal/thermal_zone0/temp (sensor_writer.c, a node of
the simulation, writes second t's record there at second t, when it differs from the one before).

The physics, per simulated second k = 0, 1, ..., LENGTH_S (clknetsim evaluates the frequency at
every second from 0 to its limit, both included):
  ambient A(k) and CPU load L(k) in [0, 1], per scenario (SCENARIOS below);
  SoC temperature S(k): a first-order lag (TAU_S_S, 120 s) of A + 15 (idle self-heating) + 8 L;
  the sensor's reading: S plus a normal of 0.1 degree, in the Pi's steps of 0.538 degree, in
    millidegrees Celsius (e.g. 45196);
  crystal temperature X(k): a first-order lag of the true S with the scenario's TAU_X_S (the
    crystal follows the SoC with a lag of up to two hours);
  frequency error f(k) = F0 - K2 (X - XV)^2 (seconds gained a second; K2 in ppm per degree^2),
    the turnover XV at 60 degrees, K2 such that the slope at 45 degrees is 0.25 ppm/degree, F0
    drawn per seed (10 to 40 ppm).
The file FREQ holds f(k) on line k + 1: the k-th evaluation is second k's frequency.  The record
k of SENSOR (RECORD_BYTES bytes, "%7d\n") is the reading that the sensor file shows from second
k to second k + 1.

chronyd's `tempcomp FILE INTERVAL T0 K0 K1 K2` (comp = K0 + (T - T0) K1 + (T - T0)^2 K2 ppm, T
the reading in millidegrees, positive comp: the clock made faster) that a person fitting the
steady state by hand would find: the crystal's frequency is F0 - K2 (T - XV)^2 when X = S = T, so
comp(T) = K2 (T - XV)^2 + constant, i.e. around T0 K1 = 2 K2 (T0 - XV) and K2 as it is, scaled to
millidegrees.  T0: the run's mean reading; K0: 0, unless comp would leave chronyd's +-10 ppm
between the run's coldest and warmest readings, then what centres it there.  Written to SUMMARY
with the run's other figures, "name value" a line.

Deterministic from the seed and the physics' name, not the length: a longer run of the same
seed starts with the same seconds (its T0, the mean reading, moves); temp_daily and the
temp_outage_* scenarios share the name daily, so their days are the same at the same seed.
Standard library only.

  thermal.py SCENARIO --seed N --length-s S --out DIR [--tau-x-s T] [--trace]
writes DIR/freq, DIR/sensor.records, DIR/summary (and DIR/trace.csv with --trace: k, A, L, S,
the reading, X, f in ppm).
"""
import argparse
import math
import os
import random

RECORD_BYTES = 8  # "%7d\n": sensor_writer.c reads record k at offset k * RECORD_BYTES
TAU_S_S = 120.0  # the SoC's lag behind the ambient and the load (s)
IDLE_HEAT_C = 15.0  # the SoC above the ambient, idle (degrees)
LOAD_HEAT_C = 8.0  # more at full load (degrees)
STEP_C = 0.538  # the sensor's step (degrees)
NOISE_C = 0.1  # the sensor's noise before its step (degrees, standard deviation)
XV_C = 60.0  # the crystal's turnover (degrees): flat at 47-64 degrees of the SoC's sensor
K2_PPM = 0.25 / (2 * 15.0)  # ppm per degree^2: 0.25 ppm/degree at 45 degrees
COMP_LIMIT_PPM = 10.0  # chronyd ignores a compensation beyond this


def hourly(rng):
    """A room whose heating cycles hourly: A = 20 + 4 sin(2 pi t / 3600), no load."""
    return lambda k: (20.0 + 4.0 * math.sin(2 * math.pi * k / 3600.0), 0.0)


def load(rng):
    """A timelapse rig: the load toggles between 0 and 1, each state lasting an exponential of
    mean 1.5 h; A = 22."""
    state = {"load": float(rng.random() < 0.5), "until": rng.expovariate(1 / 5400.0)}

    def at(k):
        while k >= state["until"]:
            state["load"] = 1.0 - state["load"]
            state["until"] += rng.expovariate(1 / 5400.0)
        return 22.0, state["load"]

    return at


def freezer(rng):
    """Beside a freezer's door: A = 20; each opening (exponential intervals of mean 2 h) takes 8
    degrees off, falling over 60 s and coming back with a time constant of 15 min."""
    openings = []
    state = {"next": rng.expovariate(1 / 7200.0)}

    def at(k):
        while k >= state["next"]:
            openings.append(state["next"])
            state["next"] += rng.expovariate(1 / 7200.0)
        drop = 0.0
        for t in openings[-8:]:  # the latest 8: earlier ones have long faded
            u = k - t
            drop += 8.0 * (u / 60.0 if u < 60.0 else math.exp(-(u - 60.0) / 900.0))
        return 20.0 - drop, 0.0

    return at


def daily(rng):
    """A garage: A = 15 + 10 sin(2 pi t / 86400 + phase) plus a random walk of 1 degree per
    sqrt(hour), pulled back to 0 with a time constant of a day (without the pull it would be 8
    degrees from the weather after three days, as much as the day's swing)."""
    phase = rng.uniform(0, 2 * math.pi)
    state = {"walk": 0.0}

    def at(k):
        if k > 0:
            state["walk"] += -state["walk"] / 86400.0 + rng.gauss(0.0, 1.0 / 60.0)
        return 15.0 + 10.0 * math.sin(2 * math.pi * k / 86400.0 + phase) + state["walk"], 0.0

    return at


# name: (ambient and load, the crystal's lag TAU_X (s))
SCENARIOS = {"hourly": (hourly, 600.0), "load": (load, 1800.0), "freezer": (freezer, 600.0),
             "daily": (daily, 1800.0)}


def reading_mc(s_c, rng):
    """The sensor's reading of S (degrees) in millidegrees: noise, then the Pi's step."""
    return int(round(round((s_c + rng.gauss(0.0, NOISE_C)) / STEP_C) * STEP_C * 1000.0))


def tempcomp(readings):
    """chronyd's T0 K0 K1 K2 (T in millidegrees) for the steady state, and the comp's range."""
    t0 = int(round(sum(readings) / len(readings)))
    k1 = 2 * K2_PPM * (t0 / 1000.0 - XV_C) / 1000.0
    k2 = K2_PPM / 1e6

    def comp(t):
        return k1 * (t - t0) + k2 * (t - t0) ** 2

    lo, hi = sorted((comp(min(readings)), comp(max(readings))))
    k0 = 0.0 if max(-lo, hi) <= COMP_LIMIT_PPM else -(lo + hi) / 2
    return t0, k0, k1, k2, lo + k0, hi + k0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--length-s", type=int, required=True, help="the run's simulated seconds")
    ap.add_argument("--out", required=True, help="the directory written")
    ap.add_argument("--tau-x-s", type=float, help="the crystal's lag (s), instead of the scenario's")
    ap.add_argument("--trace", action="store_true", help="also DIR/trace.csv")
    args = ap.parse_args()

    make, tau_x_s = SCENARIOS[args.scenario]
    tau_x_s = args.tau_x_s if args.tau_x_s is not None else tau_x_s
    rng = random.Random("%s:%d" % (args.scenario, args.seed))
    f0_ppm = rng.uniform(10.0, 40.0)
    ambient = make(rng)
    a_s, a_x = 1 - math.exp(-1 / TAU_S_S), 1 - math.exp(-1 / tau_x_s)
    os.makedirs(args.out, exist_ok=True)
    readings, freqs_ppm = [], []
    trace = open(os.path.join(args.out, "trace.csv"), "w") if args.trace else None
    if trace:
        trace.write("k,ambient_c,load,soc_c,reading_mc,crystal_c,freq_ppm\n")
    s_c = x_c = None
    for k in range(args.length_s + 1):
        a_c, cpu = ambient(k)
        target_c = a_c + IDLE_HEAT_C + LOAD_HEAT_C * cpu
        s_c = target_c if s_c is None else s_c + (target_c - s_c) * a_s
        x_c = s_c if x_c is None else x_c + (s_c - x_c) * a_x
        readings.append(reading_mc(s_c, rng))
        freqs_ppm.append(f0_ppm - K2_PPM * (x_c - XV_C) ** 2)
        if trace:
            trace.write("%d,%.4f,%.0f,%.4f,%d,%.4f,%.6f\n" % (k, a_c, cpu, s_c, readings[-1], x_c, freqs_ppm[-1]))
    if trace:
        trace.close()
    with open(os.path.join(args.out, "freq"), "w") as f:
        f.writelines("%.9e\n" % (v * 1e-6) for v in freqs_ppm)
    with open(os.path.join(args.out, "sensor.records"), "w") as f:
        f.writelines("%7d\n" % v for v in readings)
    t0, k0, k1, k2, lo, hi = tempcomp(readings)
    with open(os.path.join(args.out, "summary"), "w") as f:
        f.write("f0_ppm %.3f\ntau_x_s %.0f\n" % (f0_ppm, tau_x_s))
        f.write("reading_min_mc %d\nreading_max_mc %d\n" % (min(readings), max(readings)))
        f.write("freq_min_ppm %.3f\nfreq_max_ppm %.3f\n" % (min(freqs_ppm), max(freqs_ppm)))
        f.write("tempcomp %d %.6g %.6g %.6g\n" % (t0, k0, k1, k2))
        f.write("tempcomp_range_ppm %.3f %.3f\n" % (lo, hi))


if __name__ == "__main__":
    main()
