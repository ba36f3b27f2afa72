// lansync.js: the phone's sync with the Pi, served by sntpd at GET /lansync.js: sntpd's own page
// (GET /) runs on it, and another web app on the Pi embeds it in one line.
//
//   <script src="/lansync.js"></script>
//   <script>await lansync.locate(); await lansync.syncPhone(); const c = await lansync.syncCamera();</script>
//
// It talks to the server it was loaded from: an app's page on another origin (another port of the
// Pi, allowed by sntpd --http-allow-origin) loads it as <script src="http://pi.local:8080/lansync.js">
// and its calls go there, through CORS, without cookies.
//
// syncPhone() measures (8 NTP-style exchanges over GET /exchange, T1/T4 from performance.now()
// anchored to Date.now() and widened by its step and the anchor's spread, the least-delay one counts) and posts it to
// POST /set with this browser's zone (its tz database name) and, when locate() found one, its
// location; it resolves to sntpd's answer
// ({result: "set" | "verified" | "refused", reason, message, offset_s, ...}), its HTTP status as
// `status` and the location sent as `location` (null when none).  locate() asks the browser
// where this phone is (only a secure context may: HTTPS or localhost; the first call may show a
// permission prompt); it resolves, never rejects, to {state: "ok" | "denied" | "unavailable" |
// "needs_https", location: {lat, lon, accuracy_m, unix} | null, message}, and the fix goes with
// every later set.  syncCamera() posts POST /sync-camera; once sntpd accepted (202), it polls
// GET /time until camera.last_run_unix passes the request's time, at most timeoutMs (default
// 60 s), and resolves to the answer with `camera` (GET /time's camera object, null when none) and
// `done` (camsync ran since).  syncPhone and syncCamera reject only when the Pi cannot be reached;
// a refusal resolves with result "refused".  measure(), postSet() and now() are the steps the page
// uses; zone() is the tz database name a set sends (zoneNames: the browsers' old spellings it
// renames); clockStep() is performance.now()'s step in ms, as the last measure() found it.
"use strict";
window.lansync = (() => {
  const EXCHANGES = 8;
  // The origin of the server that served this script (the page's own for sntpd's page).
  const SERVER = new URL(document.currentScript ? document.currentScript.src : "/", location.href).origin;
  const LOCATE_TIMEOUT_MS = 10000;      // a fix that takes longer is "unavailable"
  const LOCATE_MAX_AGE_MS = 5 * 60000;  // a cached fix this recent will do

  // This phone's clock in Unix ms: performance.now() (monotonic, fine-grained) anchored to
  // Date.now() at the moment Date.now() ticks, so the anchor is exact to a few microseconds
  // rather than to its 1 ms resolution.  The tick lies between two performance.now() readings;
  // a thread paused between them (a loaded phone: 12 ms was seen) widens that bracket, so up to
  // five tries are made and the narrowest is kept.  spread (ms), half its width plus one step of
  // performance.now() (each end of the bracket is itself a reading, true within a step), is
  // how far the anchor may be off: every exchange's T1 and T4 are widened by it, so the error
  // the Pi records holds it.  measureStep() runs first.
  let anchorWall = Date.now(), anchorPerf = performance.now(), spread = 1;
  function anchorOnce() {
    let p0 = performance.now();
    const start = Date.now(), limit = performance.now() + 3;
    let p1 = performance.now();  // p0 < the read of start < p1
    // Bounded in count too: a clock that stands still (a paused or faked one) must not hang the page.
    for (let i = 0; i < 1000000; i++) {
      const w = Date.now(), p2 = performance.now();
      if (w !== start) return { wall: w, perf: (p0 + p2) / 2, spread: (p2 - p0) / 2 + step };
      if (p2 > limit) break;
      p0 = p1;
      p1 = p2;
    }
    return { wall: Date.now(), perf: performance.now(), spread: 1 + step };  // no tick seen: 1 ms resolution
  }
  function anchor() {
    let best = null;
    for (let tries = 0; tries < 5 && (best === null || best.spread > step + 0.05); tries++) {
      const a = anchorOnce();
      if (best === null || a.spread < best.spread) best = a;
    }
    anchorWall = best.wall;
    anchorPerf = best.perf;
    spread = best.spread;
  }
  const now = () => anchorWall + (performance.now() - anchorPerf);

  // performance.now()'s step, ms: 1 in WebKit (every iPhone browser: its timing-attack guard),
  // 0.005 to 0.1 in Chromium.  A reading is the true time within one step, either way, so an
  // exchange's T1 goes one step earlier and its T4 one step later: its round trip, and so the
  // error the Pi records (half of it), then hold whatever the browser's clock rounded away.  The
  // smallest of three steps, watched for at most 50 ms: a paused thread makes a step look longer
  // (5 ms was seen under load), and only the time it takes grows.  A clock that does not move
  // counts as 1 ms.
  let step = 1;
  function measureStep() {
    const end = Date.now() + 50;
    let last = performance.now(), smallest = Infinity;
    for (let i = 0, seen = 0; seen < 3 && i < 10000000 && Date.now() <= end; i++) {
      const p = performance.now();
      if (p > last) { smallest = Math.min(smallest, p - last); seen++; last = p; }
    }
    step = Number.isFinite(smallest) ? smallest : 1;
  }
  // Browsers (WebKit and Chromium alike) name a zone by CLDR's canonical id, which for these
  // is an old spelling the tz database keeps only as a backward link, which not every system
  // installs: the set sends the tz database's own name, which every Pi has.
  const zoneNames = {
    "Africa/Asmera": "Africa/Asmara", "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Catamarca": "America/Argentina/Catamarca", "America/Cordoba": "America/Argentina/Cordoba",
    "America/Godthab": "America/Nuuk", "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy", "America/Louisville": "America/Kentucky/Louisville",
    "America/Mendoza": "America/Argentina/Mendoza", "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu", "Asia/Rangoon": "Asia/Yangon", "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Atlantic/Faeroe": "Atlantic/Faroe", "Europe/Kiev": "Europe/Kyiv", "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei", "Pacific/Truk": "Pacific/Chuuk",
  };
  const zone = () => {
    try {
      const z = Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
      return zoneNames[z] ?? z;
    } catch (e) {
      return undefined;
    }
  };

  let position = null;  // the latest fix: {lat, lon, accuracy_m, unix}
  let locating = null;  // the request under way

  function locate() {
    if (!window.isSecureContext || !navigator.geolocation) {
      return Promise.resolve({ state: "needs_https", location: null, message: "location needs HTTPS" });
    }
    if (locating) return locating;
    locating = new Promise((resolve) => {
      // The browser's timeout leaves out the time its permission prompt stays open: bounded here as
      // well.  A fix that comes later still becomes the position the next set sends.
      const timer = setTimeout(() => resolve({ state: "unavailable", location: position,
                                               message: "no position within " + LOCATE_TIMEOUT_MS / 1000 + " s" }),
                               LOCATE_TIMEOUT_MS);
      navigator.geolocation.getCurrentPosition((p) => {
        clearTimeout(timer);
        position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy,
                     unix: Math.floor(p.timestamp / 1000) };
        resolve({ state: "ok", location: position, message: "" });
      }, (e) => {
        clearTimeout(timer);
        resolve({ state: e.code === e.PERMISSION_DENIED ? "denied" : "unavailable", location: position, message: e.message });
      }, { timeout: LOCATE_TIMEOUT_MS, maximumAge: LOCATE_MAX_AGE_MS });
    }).finally(() => { locating = null; });
    return locating;
  }

  async function answer(r) {
    const j = await r.json().catch(() => ({ result: "refused", reason: "http_" + r.status, message: "HTTP " + r.status }));
    j.status = r.status;
    return j;
  }

  // One exchange, as NTP makes it: T1 sent, T2 received and T3 sent by the Pi, T4 received.
  async function exchange() {
    const t1 = now() - step - spread;
    const r = await fetch(SERVER + "/exchange", { cache: "no-store" });
    const t4 = now() + step + spread;
    if (!r.ok) throw new Error("the Pi answered HTTP " + r.status);
    const j = await r.json();
    return {
      t1, t4, token: j.token,
      offset: ((j.t2_ms - t1) + (j.t3_ms - t4)) / 2,  // Pi − phone, ms
      delay: (t4 - t1) - (j.t3_ms - j.t2_ms),
    };
  }

  // The least-delay of EXCHANGES exchanges: {t1, t4, token, offset, delay}.  A negative delay is
  // no round trip but this phone's clock resolution (a coarse or paused performance.now(): the
  // reply "arrived" before the Pi finished answering); sntpd refuses such timestamps, so one is
  // taken only when every exchange has one.
  async function measure() {
    measureStep();
    anchor();
    let best = null;
    const better = (x) => best === null || (x.delay >= 0 && (best.delay < 0 || x.delay < best.delay));
    for (let i = 0; i < EXCHANGES; i++) {
      const x = await exchange();
      if (better(x)) best = x;
    }
    return best;
  }

  // POST /set of a measurement, with the zone and the latest fix; trigger "auto", "button" or undefined.
  async function postSet(x, trigger) {
    const location = position;
    const r = await fetch(SERVER + "/set", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: x.token, t1_ms: x.t1, t4_ms: x.t4, trigger, time_zone: zone(),
                             location: location ?? undefined }),
    });
    const j = await answer(r);
    j.location = location;
    return j;
  }

  const syncPhone = async () => postSet(await measure(), undefined);

  async function camera() {
    const r = await fetch(SERVER + "/time", { cache: "no-store" });
    return r.ok ? ((await r.json()).camera ?? null) : null;
  }

  async function syncCamera({ timeoutMs = 60000, pollMs = 1000 } = {}) {
    const r = await fetch(SERVER + "/sync-camera", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    const j = await answer(r);
    if (r.status !== 202) return j;
    const end = performance.now() + timeoutMs;
    for (;;) {
      j.camera = await camera();
      j.done = !!j.camera && j.camera.last_run_unix !== null && j.camera.last_run_unix >= Math.floor(j.requested_unix_ms / 1000);
      if (j.done || performance.now() >= end) return j;
      await new Promise((ok) => setTimeout(ok, pollMs));
    }
  }

  return { syncPhone, syncCamera, locate, measure, postSet, now, zone, zoneNames, clockStep: () => step };
})();
