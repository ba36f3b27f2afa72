// The phone page's location for the timelapse report, in Debian's headless Chromium: opens sntpd's
// page with the geolocation permission granted (a fix at --lat/--lon/--accuracy) or not, lets it
// set or verify the clock, and prints what happened as one JSON object.
//
//   node location.mjs URL [--deny] [--late] [--lat DEG --lon DEG --accuracy M] [--host-rule RULE]
//                         [--ignore-https-errors] [--profile DIR] [--timezone NAME]
//
// URL is any origin (http://127.0.0.1:PORT/, a secure context; http://lansync:PORT/ with
// --host-rule "MAP lansync 127.0.0.1", not one; https://... with --ignore-https-errors for a
// self-signed certificate).  --timezone: the browser's zone, e.g. Australia/Sydney.  --late holds
// the fix back until the page's first set was answered (a slow GPS, a prompt answered late).  When
// the fix arrived after the page's first set (it never waits for it), the button sends it with a
// second one.  The JSON: secure (window.isSecureContext), state and result (the page's result),
// location_state and location (the page's location line: sent, waiting, denied, needs_https,
// unavailable, asking), camera and camera_warning (camsync's last run as the page shows it; the
// warning null when hidden), sets (each POST /set: its location or null, the answer's result and
// reason), pressed (whether the button was needed), page_error.
// The checks are the calling test's (tests/interop/sntpd_location.sh).
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const url = args[0];
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
if (!url) {
  console.error("usage: node location.mjs URL [--deny] [--late] [--lat DEG --lon DEG --accuracy M] [--host-rule RULE] " +
                "[--ignore-https-errors] [--profile DIR] [--timezone NAME]");
  process.exit(2);
}

const geolocation = { latitude: Number(option("--lat", "-33.8568")), longitude: Number(option("--lon", "151.2153")),
                      accuracy: Number(option("--accuracy", "25")) };
const rule = option("--host-rule", undefined);
const context = await launchPhone(option("--profile", "/tmp/lansync-chromium-location"), {
  geolocation,
  permissions: flag("--deny") ? [] : ["geolocation"],
  ignoreHTTPSErrors: flag("--ignore-https-errors"),
  ...(option("--timezone", undefined) ? { timezoneId: option("--timezone", undefined) } : {}),
  extraArgs: rule ? ["--host-resolver-rules=" + rule] : [],
});
const out = { sets: [], pressed: false };
try {
  if (flag("--late")) {
    await context.addInitScript(() => {
      const get = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);
      let released = false;
      const held = [];
      window.__releaseFix = () => { released = true; held.splice(0).forEach((f) => f()); };
      navigator.geolocation.getCurrentPosition = (ok, fail, o) =>
        get((p) => (released ? ok(p) : held.push(() => ok(p))), fail, o);
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => { out.page_error = String(e); });
  let posted = 0;
  page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith("/set")) posted++; });
  page.on("response", async (r) => {
    if (r.request().method() !== "POST" || !r.url().endsWith("/set")) return;
    const sent = JSON.parse(r.request().postData() ?? "{}");
    const j = await r.json().catch(() => ({}));
    out.sets.push({ location: sent.location ?? null, result: j.result, reason: j.reason });
    if (flag("--late")) await page.evaluate(() => window.__releaseFix()).catch(() => {});
  });
  await page.goto(url, { waitUntil: "load" });
  const finished = () => ["set", "verified", "refused", "agree", "error"].includes(document.getElementById("result").dataset.state);
  await page.waitForFunction(finished, null, { timeout: 20000 });
  // The location's answer: sent, waiting for the next set, or why there is none.
  const settled = () => ["sent", "waiting", "denied", "needs_https", "unavailable"].includes(document.getElementById("location").dataset.state);
  await page.waitForFunction(settled, null, { timeout: 15000 }).catch(() => {});
  if (await page.$eval("#location", (e) => e.dataset.state === "waiting")) {
    out.pressed = true;
    const responded = page.waitForResponse((r) => r.url().endsWith("/set"), { timeout: 10000 });
    await page.click("#set");
    await responded;
    await page.waitForFunction(finished, null, { timeout: 10000 });
  }
  // Every answer read (the listener reads them on its own time), at most 5 s.
  for (let i = 0; i < 50 && out.sets.length < posted; i++) await new Promise((ok) => setTimeout(ok, 100));
  out.secure = await page.evaluate(() => window.isSecureContext);
  out.state = await page.$eval("#result", (e) => e.dataset.state);
  out.result = await page.$eval("#result", (e) => e.textContent);
  out.location_state = await page.$eval("#location", (e) => e.dataset.state);
  out.location = await page.$eval("#location", (e) => e.textContent);
  out.camera = await page.$eval("#camera", (e) => e.textContent);
  out.camera_warning = await page.$eval("#camera-warning", (e) => (e.hidden ? null : e.textContent));
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
