#!/usr/bin/env python3
"""Checks a screenshot of `driftlog plot` the way a user looks at the chart.

Usage: plot_pixels.py SCREENSHOT.png TIMES_OK TIMES_FAILED STEP_AT_S STEP_SIZE_S SLOPE

TIMES_OK and TIMES_FAILED are comma-separated sample times (s) of the CSV
that was plotted: offsets on one line of slope SLOPE (s/s) with a jump of
STEP_SIZE_S at STEP_AT_S.  Nothing here reads the SVG: the axes, dots, fitted
line and crosses are found by their colours in the rendered pixels, and their
positions are checked against the data alone (evenly timed dots evenly spaced,
dots on a straight line, the jump as large as the data says, the red line
through the dots, the crosses at the failed times).  Python's standard
library only: the PNG is decoded by pngread.py, beside this file.
"""
import sys

from pngread import read_png


def near(c, ref, tol=45):
    return all(abs(c[i] - ref[i]) <= tol for i in range(3))


BLUE, RED, ORANGE = (31, 119, 180), (214, 39, 40), (255, 127, 14)


def dark(c):
    return max(c) < 90


def blobs(mask, box):
    """Connected components (8-neighbour) of mask inside box; their centroids and sizes."""
    x0, y0, x1, y1 = box
    seen, out = set(), []
    for y in range(y0, y1):
        for x in range(x0, x1):
            if (x, y) in seen or not mask(x, y):
                continue
            stack, pts = [(x, y)], []
            seen.add((x, y))
            while stack:
                px, py = stack.pop()
                pts.append((px, py))
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        q = (px + dx, py + dy)
                        if x0 <= q[0] < x1 and y0 <= q[1] < y1 and q not in seen and mask(*q):
                            seen.add(q)
                            stack.append(q)
            out.append((sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts), len(pts)))
    return out


def fit(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    return a, b, max(abs(y - (a + b * x)) for x, y in zip(xs, ys))


failures = 0


def check(ok, what):
    global failures
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures += 1


def main():
    path, t_ok, t_failed, step_at, step_size, slope = sys.argv[1:7]
    t_ok = [float(t) for t in t_ok.split(",")]
    t_failed = [float(t) for t in t_failed.split(",")]
    step_at, step_size, slope = float(step_at), float(step_size), float(slope)
    w, h, px = read_png(path)

    # The axes: the longest dark horizontal and vertical runs, meeting at the bottom left.
    def longest_run(cells):
        best = (0, 0)
        run = start = 0
        for i, c in enumerate(cells):
            if dark(c):
                if run == 0:
                    start = i
                run += 1
                if run > best[0]:
                    best = (run, start)
            else:
                run = 0
        return best

    x_axis = max((longest_run(px[y]) + (y,) for y in range(h)), key=lambda r: r[0])
    y_axis = max((longest_run([px[y][x] for y in range(h)]) + (x,) for x in range(w)), key=lambda r: r[0])
    x_len, x_start, y_b = x_axis
    y_len, y_top, x_l = y_axis
    check(x_len > 0.6 * w, f"a horizontal axis {x_len} px long at y {y_b}")
    check(y_len > 0.5 * h, f"a vertical axis {y_len} px long at x {x_l}")
    check(abs(x_start - x_l) <= 3 and abs(y_top + y_len - 1 - y_b) <= 3, "the axes meet at the bottom left")
    box = (x_l + 2, y_top, x_start + x_len, y_b - 1)

    # Axis labels: ink below the time axis and left of the offset axis.
    below = sum(1 for y in range(y_b + 8, min(h, y_b + 60)) for x in range(w) if dark(px[y][x]))
    left = sum(1 for y in range(y_top, y_b) for x in range(0, x_l - 8) if dark(px[y][x]))
    check(below > 200, f"tick labels and a title under the time axis ({below} ink pixels)")
    check(left > 200, f"tick labels and a title left of the offset axis ({left} ink pixels)")

    # The data points: one blue dot per good sample, evenly spaced as their times are.
    dots = sorted(b for b in blobs(lambda x, y: near(px[y][x], BLUE), box) if b[2] >= 6)
    check(len(dots) == len(t_ok), f"{len(dots)} dots for {len(t_ok)} good samples")
    if len(dots) != len(t_ok):
        return
    ax, bx, worst_x = fit(t_ok, [d[0] for d in dots])
    check(bx > 0 and worst_x < 1.5, f"dots spaced in proportion to their times (worst {worst_x:.2f} px)")
    to_t = lambda x: (x - ax) / bx

    # On a line before the step and on a parallel line after it, higher by the step.
    before = [(t, d[1]) for t, d in zip(t_ok, dots) if t < step_at]
    after = [(t, d[1]) for t, d in zip(t_ok, dots) if t >= step_at]
    a1, b1, worst1 = fit(*zip(*before))
    a2, b2, worst2 = fit(*zip(*after))
    check(worst1 < 1.5 and worst2 < 1.5, f"dots on straight lines (worst {max(worst1, worst2):.2f} px)")
    check((b1 < 0) == (slope > 0), "the dots rise on screen as the offset grows")
    check(abs(b2 / b1 - 1) < 0.05, f"the same slope on both sides of the step ({b1:.4f}, {b2:.4f} px/s)")
    jump_px = (a2 + b2 * step_at) - (a1 + b1 * step_at)
    # The jump in units of the slope is a time: step_size / slope seconds.
    seconds = jump_px / b1
    check(abs(seconds / (step_size / slope) - 1) < 0.05,
          f"the step is as tall as the data says ({seconds:.0f} s of drift, expected {step_size / slope:.0f})")

    # The fitted line: red, through the dots, over the run and no further.
    red_cols = {}
    for y in range(box[1], box[3]):
        for x in range(box[0], box[2]):
            if near(px[y][x], RED, 60):
                red_cols.setdefault(x, []).append(y)
    first_x, last_x = dots[0][0], dots[-1][0]
    span_cols = [x for x in range(int(first_x), int(last_x) + 1)]
    covered = sum(1 for x in span_cols if x in red_cols)
    check(covered > 0.3 * len(span_cols), f"a red line along the run ({covered} of {len(span_cols)} columns)")
    check(all(first_x - 4 <= x <= last_x + 4 for x in red_cols), "the red line ends where the data ends")
    off = []
    for x, ys in red_cols.items():
        t = to_t(x)
        a, b = (a1, b1) if t < step_at else (a2, b2)
        off.append(abs(sum(ys) / len(ys) - (a + b * t)))
    bad = sum(1 for o in off if o > 2)
    check(off and bad <= 0.05 * len(off), f"the red line runs through the dots ({bad} of {len(off)} columns off by > 2 px)")

    # Failed samples: an orange cross at each failed time, under the data.
    crosses = sorted(b for b in blobs(lambda x, y: near(px[y][x], ORANGE), box) if b[2] >= 6)
    check(len(crosses) == len(t_failed), f"{len(crosses)} crosses for {len(t_failed)} failed samples")
    if len(crosses) == len(t_failed):
        dt = max(abs(to_t(c[0]) - t) for c, t in zip(crosses, t_failed))
        check(dt < 5 / bx + 1, f"each cross at its failed sample's time (worst {dt:.1f} s)")
        lowest_dot = max(d[1] for d in dots)
        check(all(c[1] > lowest_dot for c in crosses), "the crosses lie under the data")


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
