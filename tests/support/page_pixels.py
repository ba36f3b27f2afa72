#!/usr/bin/env python3
"""Checks a screenshot of sntpd's phone page the way a person glances at a phone.

Usage: page_pixels.py SCREENSHOT.png VIEWPORT_WIDTH LEFT TOP RIGHT BOTTOM

VIEWPORT_WIDTH is the page's width in CSS pixels, LEFT..BOTTOM the button's box in them, as the
page measured it.  Checks that the screenshot is the viewport's width (the page did not widen
the window it was drawn in), and that the button can be seen where the page put it: its face
differs from the page around it, it carries text (dark on light or light on dark), and its box
lies inside the picture.  Python's standard library only (pngread.py, beside this file).
"""
import sys

from pngread import read_png

failures = 0


def check(ok, what):
    global failures
    print(("      pixels: ok    " if ok else "      pixels: FAIL  ") + what)
    failures += 0 if ok else 1


def main():
    path, css_width = sys.argv[1], float(sys.argv[2])
    with open(path, "rb") as f:
        w = int.from_bytes(f.read(24)[16:20], "big")  # IHDR's width
    scale = w / css_width
    check(scale >= 1 and scale == int(scale), f"the screenshot is the viewport's width ({w} px for {css_width:g} CSS px)")
    left, top, right, bottom = (round(float(v) * scale) for v in sys.argv[3:7])
    w, h, px = read_png(path, max_rows=bottom + 1)
    check(0 <= left < right <= w and 0 <= top < bottom <= h, f"the button ({left},{top})-({right},{bottom}) is inside the {w}x{h} picture")
    if failures:
        return
    lum = lambda c: (c[0] * 299 + c[1] * 587 + c[2] * 114) // 1000
    inside = [lum(px[y][x]) for y in range(top + 4, bottom - 4) for x in range(left + 4, right - 4)]
    face = sorted(inside)[len(inside) // 2]  # the button's own colour: most of its pixels
    around = [lum(px[y][x]) for y in range(max(0, top - 6), top - 2) for x in range(left, right)]
    page = sorted(around)[len(around) // 2] if around else face
    edge = [lum(px[y][x]) for y in (top, top + 1, bottom - 1, bottom - 2) for x in range(left + 8, right - 8)]
    outlined = sum(1 for v in edge if abs(v - page) > 20) > 0.5 * len(edge)
    check(abs(face - page) > 8 or outlined, f"the button stands out from the page (face {face}, page {page}, outlined {outlined})")
    ink = sum(1 for v in inside if abs(v - face) > 80)
    check(ink > 150, f"the button carries text ({ink} pixels of ink)")


if __name__ == "__main__":
    main()
    sys.exit(1 if failures else 0)
