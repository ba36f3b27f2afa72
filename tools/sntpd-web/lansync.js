// lansync.js: the phone page's sync for another web app on the Pi, served by sntpd at GET /lansync.js.
//
//   <script src="/lansync.js"></script>
//   <script>await lansync.syncPhone(); const c = await lansync.syncCamera();</script>
//
// syncPhone() measures as the page does (8 NTP-style exchanges over GET /exchange, T1/T4 from
// performance.now() anchored to Date.now(), the least-delay one counts) and posts it to POST /set
// with this browser's zone; it resolves to sntpd's answer ({result: "set" | "verified" | "refused",
// reason, message, offset_s, ...}) and its HTTP status as `status`.  syncCamera() posts
// POST /sync-camera; once sntpd accepted (202), it polls GET /time until camera.last_run_unix
// passes the request's time, at most timeoutMs (default 60 s), and resolves to the answer with
// `camera` (GET /time's camera object, null when none) and `done` (camsync ran since).  Both
// reject only when the Pi cannot be reached; a refusal resolves with result "refused".
"use strict";
window.lansync = (() => {
  const EXCHANGES = 8;
  let anchorWall = Date.now(), anchorPerf = performance.now();
  function anchor() {
    const start = Date.now(), limit = performance.now() + 3;
    for (;;) {
      const p = performance.now(), w = Date.now();
      if (w !== start || p > limit) { anchorWall = w; anchorPerf = p; return; }
    }
  }
  const now = () => anchorWall + (performance.now() - anchorPerf);
  const zone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined; } catch (e) { return undefined; } };

  async function answer(r) {
    const j = await r.json().catch(() => ({ result: "refused", reason: "http_" + r.status, message: "HTTP " + r.status }));
    j.status = r.status;
    return j;
  }

  async function exchange() {
    const t1 = now();
    const r = await fetch("/exchange", { cache: "no-store" });
    const t4 = now();
    if (!r.ok) throw new Error("the Pi answered GET /exchange with HTTP " + r.status);
    const j = await r.json();
    return { t1, t4, token: j.token, delay: (t4 - t1) - (j.t3_ms - j.t2_ms) };
  }

  async function syncPhone() {
    anchor();
    let best = null;
    for (let i = 0; i < EXCHANGES; i++) {
      const x = await exchange();
      if (best === null || x.delay < best.delay) best = x;
    }
    const r = await fetch("/set", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: best.token, t1_ms: best.t1, t4_ms: best.t4, time_zone: zone() }),
    });
    return answer(r);
  }

  async function camera() {
    const r = await fetch("/time", { cache: "no-store" });
    return r.ok ? ((await r.json()).camera ?? null) : null;
  }

  async function syncCamera({ timeoutMs = 60000, pollMs = 1000 } = {}) {
    const r = await fetch("/sync-camera", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
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

  return { syncPhone, syncCamera };
})();
