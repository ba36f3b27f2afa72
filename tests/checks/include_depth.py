#!/usr/bin/env python3
"""The longest chain of project headers that a source in libsync/, tools/ or firmware/ pulls in.

A chain is a run of #include "..." lines, each naming a project header (resolved
as the compiler does here: beside the including file, then for tools/X/ from
tools/X, then from the top of the tree, then from libsync/); system headers do
not count.  Its depth is the number
of headers in it: main.cpp -> daemon.hpp -> ... -> codec/bytes.hpp is one per
header after main.cpp.  A header that only names a type (a reference, a pointer,
a unique_ptr member with the destructor out of line) declares it instead of
including it, so that a change low down rebuilds only what uses it.

    include_depth.py LIMIT       prints the deepest chain; exits 1 above LIMIT, naming
                                 every source whose chain is, with that chain
    include_depth.py --self-test checks the walk on a small tree of its own
"""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SUFFIXES = (".hpp", ".h", ".cpp", ".cc", ".c", ".ino")
TOPS = ("libsync", "tools", "firmware")


def sources(root):
    out = []
    for top in TOPS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            out += [os.path.join(dirpath, n) for n in names if n.endswith(SUFFIXES)]
    return sorted(out)


def graph(root, files):
    known = set(files)
    bases = [root, os.path.join(root, "libsync")]

    def resolve(name, including):
        # A tool's sources also find its headers from the tool's top folder (its include path).
        rel = os.path.relpath(including, root).split(os.sep)
        tool = [os.path.join(root, rel[0], rel[1])] if rel[0] == "tools" and len(rel) > 2 else []
        for base in [os.path.dirname(including)] + tool + bases:
            path = os.path.normpath(os.path.join(base, name))
            if path in known:
                return path
        return None

    edges = {}
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as handle:
            names = INCLUDE.findall(handle.read())
        edges[f] = [p for p in (resolve(n, f) for n in names) if p is not None]
    return edges


def deepest(edges):
    """For each file, the longest chain of headers below it (a list, the file itself first)."""

    chains = {}
    walking = set()

    def chain(f):
        if f not in chains:
            walking.add(f)
            best = [f]
            for g in edges[f]:
                if g in walking:  # a cycle: #pragma once ends it, and so does this walk
                    continue
                below = chain(g)
                if len(below) + 1 > len(best):
                    best = [f] + below
            walking.discard(f)
            chains[f] = best
        return chains[f]

    return {f: chain(f) for f in edges}


def self_test():
    with tempfile.TemporaryDirectory() as root:
        layout = {
            "libsync/codec/a.hpp": "",
            "libsync/core/b.hpp": '#include "codec/a.hpp"\n#include <vector>\n',
            "tools/x/c.hpp": '#include "core/b.hpp"\n',
            "tools/x/main.cpp": '#include "c.hpp"\n#include "missing.hpp"\n',
            "firmware/loop.hpp": '#include "firmware/loop2.hpp"\n',
            "firmware/loop2.hpp": '#include "firmware/loop.hpp"\n',
        }
        for rel, text in layout.items():
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as handle:
                handle.write(text)
        files = sources(root)
        chains = deepest(graph(root, files))
        got = [os.path.relpath(p, root) for p in chains[os.path.join(root, "tools/x/main.cpp")]]
        assert got == ["tools/x/main.cpp", "tools/x/c.hpp", "libsync/core/b.hpp", "libsync/codec/a.hpp"], got
        assert len(chains[os.path.join(root, "firmware/loop.hpp")]) == 2
    print("ok    include_depth.py self-test")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    limit = int(argv[1])
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    files = sources(root)
    chains = deepest(graph(root, files))

    def show(chain):
        return " -> ".join(os.path.relpath(p, root) for p in chain)

    depth = {f: len(c) - 1 for f, c in chains.items()}
    worst = max(files, key=lambda f: (depth[f], f))
    over = [f for f in files if depth[f] > limit]
    for f in over:
        print(f"FAIL  {os.path.relpath(f, root)}: {depth[f]} headers deep (limit {limit}): {show(chains[f])}")
    if over:
        return 1
    print(f"ok    no include chain in {', '.join(TOPS)} is over {limit} headers ({len(files)} files); "
          f"the deepest, {depth[worst]}: {show(chains[worst])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
