#!/usr/bin/python3
"""Opens sntpd's phone page in WebKit, the engine of every iPhone browser, and reports what it did.

Debian's WebKitGTK (MiniBrowser driven by WebKitWebDriver, through python3-selenium) on the X
display in $DISPLAY, as a phone-sized window (390 px wide; the browser's own toolbar shrunk to
nothing by a GTK style sheet so the page gets the width).  Prints one JSON object; the checks
are the calling test's (tests/interop/sntpd_webkit*.sh).  Every wait is for the page's own state,
bounded by a deadline.

  webkit.py page URL SCREENSHOT --profile DIR [--timezone NAME] [--button] [--insecure-certs] [--location]
  webkit.py embed ORIGIN --profile DIR [--camera-timeout MS]

page: lets the page measure and set (or verify) the clock (--location: and waits for the
location's answer, which in a secure context may take the page's 10 s bound); the JSON: state and
result (#result), offset_ms (the offset shown last) and shown_error (the "±" beside it), source, until, camera, camera_warning (null
when hidden), location_state and location, zone (what Intl says), zone_sent (what the page
sends), zone_names (the page's table of renamed zones), clock_step_ms (performance.now()'s step:
the smallest of 20 this script sees, within 100 ms; the page's own lansync.clockStep() is from its
last measurement, which a paused thread may have made coarser than any set before it),
secure, protocol, layout (layout.js's: the viewport, the elements past its edges, the button's
box and whether it is the element at its centre), button (state and result after pressing it).
embed: a page of ORIGIN loads /lansync.js and runs `await lansync.syncPhone()` then
`await lansync.syncCamera()`; the JSON: {phone, camera}.
"""
import argparse
import json
import os
import sys

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.webkitgtk.options import Options

WIDTH, HEIGHT = 390, 740  # an iPhone 12-15's width; about the height its browser leaves the page
FINAL = ["set", "verified", "refused", "agree", "error", "manual"]
MINIBROWSER = [p for p in (f"/usr/lib/{d}/webkit2gtk-4.1/MiniBrowser" for d in os.listdir("/usr/lib"))
               if os.path.exists(p)]
# MiniBrowser's toolbar would keep its window 447 px wide at least: nothing of it takes room.
TOOLBAR_CSS = "* { min-width: 0; min-height: 0; padding: 0; margin: 0; border-width: 0; font-size: 1px; }\n"


def launch(args):
    """A MiniBrowser window, its settings and caches under --profile."""
    for sub in ("config/gtk-3.0", "cache", "data"):
        os.makedirs(os.path.join(args.profile, sub), exist_ok=True)
    with open(os.path.join(args.profile, "config/gtk-3.0/gtk.css"), "w") as f:
        f.write(TOOLBAR_CSS)
    os.environ.update(XDG_CONFIG_HOME=os.path.join(args.profile, "config"), NO_AT_BRIDGE="1",
                      XDG_CACHE_HOME=os.path.join(args.profile, "cache"),
                      XDG_DATA_HOME=os.path.join(args.profile, "data"))
    o = Options()
    o.binary_location = MINIBROWSER[0]
    o.add_argument("--automation")
    if getattr(args, "timezone", None):
        o.add_argument("--time-zone=" + args.timezone)
    o.accept_insecure_certs = bool(getattr(args, "insecure_certs", False))
    d = webdriver.WebKitGTK(options=o, service_log_path=os.path.join(args.profile, "driver.log"))
    d.set_window_rect(width=WIDTH, height=HEIGHT)
    d.set_script_timeout(90)
    return d


def wait_js(d, script, timeout, what):
    """Until the script returns something true (polled every 50 ms), at most timeout s."""
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.05).until(lambda d: d.execute_script(script))
    except TimeoutException:
        state = d.execute_script("const r = document.getElementById('result'); return r && [r.dataset.state, r.textContent]")
        raise SystemExit(f"webkit.py: timed out after {timeout} s waiting for {what} (the page: {state})")


# The page's state as a user reads it, and its layout (layout.js, shared with phone.mjs).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "layout.js")) as f:
    LAYOUT = "".join(line for line in f if not line.startswith("//")).strip()
# performance.now()'s step: a pause only makes a step look longer, so the smallest of many is it.
STEP = """(() => {
  let last = performance.now(), smallest = Infinity;
  const end = last + 100;
  for (let i = 0, seen = 0; seen < 20 && i < 10000000 && last < end; i++) {
    const p = performance.now();
    if (p > last) { smallest = Math.min(smallest, p - last); seen++; last = p; }
  }
  return Number.isFinite(smallest) ? smallest : null;
})()"""
REPORT = """
const $ = (id) => document.getElementById(id);
return {
  state: $("result").dataset.state, result: $("result").textContent,
  offset_ms: $("offset").dataset.offsetMs === undefined ? null : Number($("offset").dataset.offsetMs),
  shown_error: $("delay").textContent,
  source: $("source").textContent, until: $("until").textContent, camera: $("camera").textContent,
  camera_warning: $("camera-warning").hidden ? null : $("camera-warning").textContent,
  location_state: $("location").dataset.state, location: $("location").textContent,
  zone: Intl.DateTimeFormat().resolvedOptions().timeZone, zone_sent: lansync.zone() ?? null,
  zone_names: lansync.zoneNames, clock_step_ms: STEP, secure: window.isSecureContext,
  protocol: location.protocol, layout: LAYOUT,
};
""".replace("LAYOUT,", LAYOUT + ",").replace("STEP,", STEP + ",")
FINISHED = "return " + json.dumps(FINAL) + ".includes(document.getElementById('result').dataset.state)"
LOCATED = ("return ['sent', 'waiting', 'denied', 'needs_https', 'unavailable']"
           ".includes(document.getElementById('location').dataset.state)")


def page(args):
    d = launch(args)
    try:
        d.get(args.url)
        wait_js(d, FINISHED, 30, "the page's first result")
        state = d.execute_script("return document.getElementById('result').dataset.state")
        # After a set the page measures again and shows the new reference.
        wait_js(d, "return document.getElementById('source').textContent === 'phone'" if state in ("set", "verified")
                else "return document.getElementById('source').textContent !== '–'", 15, "the reference")
        if args.location:
            wait_js(d, LOCATED, 15, "the location's answer")
        out = d.execute_script(REPORT)
        # What the page shows now, drawn: two frames after it (the first screenshot can beat the first paint).
        d.execute_async_script("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()))")
        d.save_screenshot(args.screenshot)
        if args.button:
            before = [out["state"], out["result"]]
            d.find_element("id", "set").click()
            wait_js(d, FINISHED + " && " + json.dumps(before) +
                    ".join('|') !== [document.getElementById('result').dataset.state, document.getElementById('result').textContent].join('|')",
                    20, "the button's result")
            after = d.execute_script(REPORT)
            out["button"] = {"state": after["state"], "result": after["result"]}
        return out
    finally:
        d.quit()


EMBED = """
const [timeoutMs, done] = [arguments[0], arguments[arguments.length - 1]];
const s = document.createElement("script");
s.src = "/lansync.js";
s.onerror = () => done({ error: "could not load /lansync.js" });
s.onload = async () => {
  try {
    done({ phone: await lansync.syncPhone(), camera: await lansync.syncCamera({ timeoutMs, pollMs: 200 }) });
  } catch (e) {
    done({ error: String(e) });
  }
};
document.head.appendChild(s);
"""


def embed(args):
    d = launch(args)
    try:
        d.get(args.origin + "/intervalometer")  # the Pi's 404 page: any page of the origin serves
        return d.execute_async_script(EMBED, args.camera_timeout)
    finally:
        d.quit()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    pg = sub.add_parser("page")
    pg.add_argument("url")
    pg.add_argument("screenshot")
    pg.add_argument("--timezone")
    pg.add_argument("--button", action="store_true")
    pg.add_argument("--insecure-certs", action="store_true")
    pg.add_argument("--location", action="store_true")
    em = sub.add_parser("embed")
    em.add_argument("origin")
    em.add_argument("--camera-timeout", type=int, default=20000)
    for s in (pg, em):
        s.add_argument("--profile", required=True)
    args = p.parse_args()
    if not MINIBROWSER:
        sys.exit("webkit.py: no MiniBrowser under /usr/lib/*/webkit2gtk-4.1 (libwebkit2gtk-4.1-0)")
    print(json.dumps(page(args) if args.what == "page" else embed(args)))


if __name__ == "__main__":
    main()
