"""Reads the wall clock's face the way someone looking at the wall does, from what
lansync-board --wall draws (a text frame, or a PNG picture of the 32x8 LED matrix).

Usage: wall_frame.py FILE
Prints one line: "time=HH:MM colon=lit|dark underline=yes|no rtc=yes|no", then for a picture
" red=N" (the lit LEDs' red, which follows the intensity) and for a text frame its last line
("state ..., intensity N/15").  A digit is read by comparing its 5x7 cell with this file's own
picture of the ten digits (and '-'); one it cannot read is '?'.  Python's standard library only.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngread import read_png  # noqa: E402

DIGITS = {
    "0": ".###.#...##...##...##...##...#.###.",
    "1": "..#...##....#....#....#....#...###.",
    "2": ".###.#...#....#...#...#...#...#####",
    "3": ".###.#...#....#..##.....##...#.###.",
    "4": "...#...##..#.#.#..#.#####...#....#.",
    "5": "######....####.....#....##...#.###.",
    "6": "..##..#...#....####.#...##...#.###.",
    "7": "#####....#...#...#....#....#....#..",
    "8": ".###.#...##...#.###.#...##...#.###.",
    "9": ".###.#...##...#.####....#...#..##..",
    "-": "................###................",
}
DIGIT_X = (2, 8, 19, 25)


def grid_from_text(lines):
    return [line[:32] for line in lines[:8]]


def grid_from_png(path):
    w, h, px = read_png(path)
    assert (w, h) == (320, 80), "not a lansync-board --wall picture"
    grid = [''.join('#' if px[y * 10 + 5][x * 10 + 5][0] > 40 else '.' for x in range(32)) for y in range(8)]
    red = max(px[y * 10 + 5][x * 10 + 5][0] for y in range(8) for x in range(32))
    return grid, red


def read_cell(grid, x0):
    cell = ''.join(grid[y][x0:x0 + 5] for y in range(7))
    for name, art in DIGITS.items():
        if cell == art:
            return name
    return '?'


def describe(grid):
    time = ''.join(read_cell(grid, x) for x in DIGIT_X[:2]) + ':' + ''.join(read_cell(grid, x) for x in DIGIT_X[2:])
    colon = 'lit' if grid[1][15] == '#' else 'dark'
    underline = 'yes' if grid[7][2:29] == '#.' * 13 + '#' else 'no'
    rtc = 'yes' if grid[7][30:32] == '##' else 'no'
    return f"time={time} colon={colon} underline={underline} rtc={rtc}"


def main():
    path = sys.argv[1]
    if path.endswith('.png'):
        grid, red = grid_from_png(path)
        print(describe(grid) + f" red={red}")
    else:
        lines = open(path).read().splitlines()
        print(describe(grid_from_text(lines)) + " " + lines[8])


if __name__ == '__main__':
    main()
