#!/usr/bin/env python3
"""The docs tier: what README.md and docs/ show a user is checked against what the tools do.

  docs.py sessions ROOT BIN   run every runnable session and compare its output with the page
  docs.py links ROOT          every relative link reaches a file, every anchor a heading
  docs.py options ROOT BIN    every --option a page gives a lansync tool is in that tool's --help
  docs.py man ROOT            docs/man/ holds each man page as mandoc renders it today

A runnable session is a fenced block whose info string is `console`: lines starting `$ ` are
commands (a trailing backslash continues one), the lines after a command are its output
(stdout and stderr).  They run in order, one bash per page, in a sandbox of the page's own
(unshare: user, network, PID, IPC and mount namespaces; loopback only; /run, /var/lib and
/var/log empty tmpfs, /etc a copy of this machine's, each with an empty lansync/), the cwd an
empty folder ($DOCS_DIR), this build's programs first on PATH; sntpd stays root there (`--user
root`: the sandbox maps one user only, so the daemon cannot switch to its own).  An HTML comment
`<!-- docs-test: setup ... -->` before a block holds shell lines run first and not shown (a
server started in the background, waited for with lib.sh's helpers); `<!-- docs-test: skip
REASON -->` before a block says why it cannot run here (hardware).  Output is compared line by
line with numbers masked (times, offsets, PIDs vary) and runs of spaces taken as one; a line
`...` stands for any number of lines.  Blocks indented or fenced otherwise are not run.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\S*)\s*$")
COMMENT = re.compile(r"<!-- docs-test: (setup|skip)\b(.*?)-->", re.S)
TOOLS = ["sntpd", "ntpprobe", "driftlog", "rtcset", "camsync", "lansync-board"]
# Subcommands with options of their own (each has its own --help).
SUBCOMMANDS = {"sntpd": ["status"], "ntpprobe": ["keygen"], "driftlog": ["analyze", "plot"], "rtcset": ["trim"]}
TIMEOUT_S = 300


def pages(root):
    out = [os.path.join(root, "README.md")]
    for base, _dirs, files in os.walk(os.path.join(root, "docs")):
        out += [os.path.join(base, f) for f in sorted(files) if f.endswith(".md")]
    return sorted(out)


def blocks(text):
    """The page's fenced blocks and docs-test comments, in order: (kind, info, body, line)."""
    items = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            start = i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            items.append(("fence", m.group(1), body, start + 1))
        elif lines[i].startswith("<!-- docs-test:"):
            start = i
            chunk = lines[i]
            while "-->" not in chunk and i + 1 < len(lines):
                i += 1
                chunk += "\n" + lines[i]
            c = COMMENT.match(chunk)
            if not c:
                items.append(("bad", "", [chunk], start + 1))
            else:
                items.append((c.group(1), "", [c.group(2).strip()], start + 1))
        i += 1
    return items


def commands(body):
    """A console block's (command, expected output lines) pairs."""
    out = []
    i = 0
    while i < len(body):
        line = body[i]
        if not line.startswith("$ "):
            i += 1  # text before the first command: not checked
            continue
        cmd = line[2:]
        while cmd.endswith("\\") and i + 1 < len(body):
            i += 1
            cmd = cmd[:-1] + "\n" + body[i].removeprefix("> ")
        i += 1
        expected = []
        while i < len(body) and not body[i].startswith("$ "):
            expected.append(body[i])
            i += 1
        while expected and expected[-1] == "":
            expected.pop()
        out.append((cmd, expected))
    return out


def mask(line):
    line = re.sub(r"\b[0-9a-f]{16,}\b", "H", line)  # keys, hashes
    line = re.sub(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b", "D", line)  # dates in HTTP headers
    line = re.sub(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", "M", line)
    line = re.sub(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?", "N", line.rstrip())
    return re.sub(r" {2,}", " ", line)


def matches(expected, actual):
    """Whether actual's lines fit expected's, '...' standing for any number of lines."""
    exp = [None if e.strip() == "..." else mask(e) for e in expected]
    act = [mask(a) for a in actual]
    memo = {}

    def fit(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(exp):
            r = j == len(act)
        elif exp[i] is None:
            r = any(fit(i + 1, k) for k in range(j, len(act) + 1))
        else:
            r = j < len(act) and exp[i] == act[j] and fit(i + 1, j + 1)
        memo[(i, j)] = r
        return r

    return fit(0, 0)


def page_script(root, bin_dir, items):
    """The bash script that runs a page's setups and sessions, marking each command's output."""
    s = [
        f"source {root}/tests/interop/lib.sh",
        "set +euo pipefail  # a session shows failures too: each command's status is its own",
        "ip link set lo up",
        # lansync's default directories, empty and the sandbox's own: /run, /var/lib and /var/log
        # as tmpfs, /etc as a copy of this machine's with an empty lansync/ in it.
        "mount -t tmpfs tmpfs /run && mkdir -p /run/lansync",
        "mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/lansync",
        "mount -t tmpfs tmpfs /var/log && mkdir -p /var/log/lansync",
        "etc_copy=$(mktemp -d) && mount -t tmpfs tmpfs \"$etc_copy\" && cp -a /etc/. \"$etc_copy/\" 2>/dev/null;"
        " rm -rf \"$etc_copy/lansync\" && mkdir \"$etc_copy/lansync\" && mount --bind \"$etc_copy\" /etc",
        "WORK=$(mktemp -d); DOCS_DIR=$WORK; export DOCS_DIR; trap cleanup EXIT",
        f"export PATH={bin_dir}:$PATH",
        # The sandbox cannot switch users (one uid mapped): the daemon stays its root.
        'sntpd() { case "${1:-}" in status|-*help|-V|--version) command sntpd "$@" ;; '
        '*) command sntpd --user root "$@" ;; esac; }',
        "cd \"$DOCS_DIR\"",
    ]
    ids = []
    for n, (kind, info, body, line) in enumerate(items):
        if kind == "setup":
            s.append(f"printf '\\n@@DOCS-SETUP {line}@@\\n'")
            s.append(body[0])
        elif kind == "fence" and info == "console" and (n == 0 or items[n - 1][0] != "skip"):
            for k, (cmd, _expected) in enumerate(commands(body)):
                ids.append((line, k))
                s.append(f"printf '\\n@@DOCS-CMD {line} {k}@@\\n'")
                s.append("{ " + cmd + "\n} 2>&1")
                s.append(f"printf '\\n@@DOCS-END {line} {k} %d@@\\n' $?")
    return "\n".join(s) + "\n", ids


def run_page(root, bin_dir, path):
    """Runs a page's sessions; returns (blocks run, commands, skipped [(line, why)], failures)."""
    items = blocks(open(path).read())
    runnable = [it for n, it in enumerate(items)
                if it[0] == "fence" and it[1] == "console" and (n == 0 or items[n - 1][0] != "skip")]
    skipped = [(items[n + 1][3], it[2][0]) for n, it in enumerate(items)
               if it[0] == "skip" and n + 1 < len(items) and items[n + 1][0] == "fence"]
    failures = [f"line {it[3]}: a docs-test comment that does not parse" for it in items if it[0] == "bad"]
    if not runnable:
        return 0, 0, skipped, failures
    script, _ids = page_script(root, bin_dir, items)
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(script)
    env = dict(os.environ, LANSYNC_IN_NETNS="1", LANSYNC_BIN=bin_dir)
    try:
        p = subprocess.run(["unshare", "-Urnpi", "--fork", "--mount-proc", "bash", f.name], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT_S)
        out = p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") + f"\n(the page's sessions took over {TIMEOUT_S} s)"
    finally:
        os.unlink(f.name)
    got = {}
    for m in re.finditer(r"@@DOCS-CMD (\d+) (\d+)@@\n(.*?)\n@@DOCS-END \1 \2 (\d+)@@", out, re.S):
        got[(int(m.group(1)), int(m.group(2)))] = [a.rstrip() for a in m.group(3).split("\n")]
    ncmd = 0
    for kind, info, body, line in runnable:
        for k, (cmd, expected) in enumerate(commands(body)):
            ncmd += 1
            actual = got.get((line, k))
            first = cmd.split("\n")[0]
            if actual is None:
                tail = "\n".join(out.strip().split("\n")[-8:])
                failures.append(f"line {line}: `{first}` did not run; the sandbox's last lines:\n{tail}")
                break
            while actual and actual[-1] == "":
                actual.pop()
            while actual and actual[0] == "":
                actual.pop(0)
            if not matches(expected, actual):
                failures.append(f"line {line}: `{first}`\n  the page shows:\n    " + "\n    ".join(expected) +
                                "\n  it printed:\n    " + "\n    ".join(actual))
    return len(runnable), ncmd, skipped, failures


def sessions(root, bin_dir):
    total_blocks = total_cmds = 0
    bad = 0
    for path in pages(root):
        rel = os.path.relpath(path, root)
        nb, nc, skipped, failures = run_page(root, bin_dir, path)
        total_blocks += nb
        total_cmds += nc
        for line, why in skipped:
            print(f"skip  {rel}:{line}: {why}")
        if nb and not failures:
            print(f"ok    {rel}: {nb} sessions, {nc} commands, output as the page shows")
        for f in failures:
            bad += 1
            print(f"FAIL  {rel}: {f}")
    print(f"{total_blocks} sessions, {total_cmds} commands run; {bad} failed")
    return 1 if bad else 0


def slug(heading):
    h = heading.strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path):
    found = set()
    counts = {}
    in_fence = False
    for line in open(path):
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and re.match(r"^#{1,6} ", line):
            s = slug(line.lstrip("#"))
            n = counts.get(s, 0)
            counts[s] = n + 1
            found.add(s if n == 0 else f"{s}-{n}")
    return found


def links(root):
    bad = 0
    checked = 0
    for path in pages(root):
        text = open(path).read()
        text = re.sub(r"```.*?```", "", text, flags=re.S)  # code is not linked
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue  # http(s), mailto: not reachable from here
            checked += 1
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            rel = os.path.relpath(path, root)
            if not os.path.exists(dest):
                print(f"FAIL  {rel}: link to {target}: no such file")
                bad += 1
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                print(f"FAIL  {rel}: link to {target}: no heading with that anchor")
                bad += 1
    print(f"{checked} links checked; {bad} broken")
    return 1 if bad else 0


def help_options(bin_dir, tool):
    opts = set()
    for args in [[]] + [[sub] for sub in SUBCOMMANDS.get(tool, [])]:
        p = subprocess.run([os.path.join(bin_dir, tool)] + args + ["--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        opts |= set(re.findall(r"--[a-z][a-z0-9-]*", p.stdout.decode(errors="replace")))
    return opts


def options(root, bin_dir):
    known = {t: help_options(bin_dir, t) for t in TOOLS}
    bad = 0
    seen = 0
    tool_re = re.compile(r"(?:^|[\s`(|;$/])(" + "|".join(map(re.escape, TOOLS)) + r")\b(?![-.])([^`|;&<>\n]*)")
    for path in pages(root):
        rel = os.path.relpath(path, root)
        for n, line in enumerate(open(path), 1):
            for m in tool_re.finditer(line):
                for opt in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", m.group(2)):
                    seen += 1
                    if opt not in known[m.group(1)]:
                        print(f"FAIL  {rel}:{n}: {m.group(1)} {opt}: not in `{m.group(1)} --help`")
                        bad += 1
    print(f"{seen} options given to lansync's tools in the pages; {bad} not in their --help")
    return 1 if bad else 0


def render(page):
    p = subprocess.run(["mandoc", "-Tutf8", "-Owidth=78", page], stdout=subprocess.PIPE, check=True)
    return re.sub(r".\x08", "", p.stdout.decode())  # bold and underline are overstrikes


def man(root, write=False):
    bad = 0
    out_dir = os.path.join(root, "docs", "man")
    for name in sorted(os.listdir(os.path.join(root, "man"))):
        if not re.search(r"\.[0-9]$", name):
            continue
        text = render(os.path.join(root, "man", name))
        dest = os.path.join(out_dir, name + ".txt")
        if write:
            os.makedirs(out_dir, exist_ok=True)
            open(dest, "w").write(text)
        elif not os.path.exists(dest) or open(dest).read() != text:
            print(f"FAIL  docs/man/{name}.txt is not man/{name} as mandoc renders it: "
                  "tests/docs/docs.py man ROOT --write")
            bad += 1
        else:
            print(f"ok    docs/man/{name}.txt is man/{name}, rendered")
    return 1 if bad else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    what, root = argv[1], os.path.abspath(argv[2])
    bin_dir = os.path.abspath(argv[3]) if len(argv) > 3 and not argv[3].startswith("--") else ""
    if what == "sessions":
        return sessions(root, bin_dir)
    if what == "links":
        return links(root)
    if what == "options":
        return options(root, bin_dir)
    if what == "man":
        return man(root, write="--write" in argv)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
