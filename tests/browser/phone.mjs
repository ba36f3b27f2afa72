// Opens sntpd's phone page in Debian's headless Chromium (through playwright-core) as a phone
// would, lets it measure and set the clock, and prints what happened as one JSON object.
//
//   node phone.mjs URL SCREENSHOT [--button] [--replay] [--profile DIR] [--timezone NAME]
//
// --timezone: the browser's zone (what Intl reports to the page), e.g. Australia/Sydney.
// The JSON: state (the page's result: set, verified, refused, agree, error), result (its text), reasons
// (the server's codes for the page's set requests: "none" when it set the clock), shown (every offset text the page displayed, in order),
// shown_errors (the "± …" the page showed beside each of them: half that measurement's round trip),
// shown_error (the last of those),
// source (the reference it shows at the end), zone (the browser's), camera and camera_warning
// (camsync's last run as the page shows it; the warning null when hidden), time (the least-delay of 8 GET /time against
// the browser's own clock: diff_ms, delay_ms), replay (status and reason when the successful
// set request is sent again), button (state and reason after pressing the button), layout (layout.js's:
// the page at the phone's width, its button's box).
// The checks are the calling test's (tests/interop/sntpd_phone.sh); this only drives and reports.
import { readFileSync } from "node:fs";
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const [url, screenshot] = args;
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
if (!url || !screenshot) {
  console.error("usage: node phone.mjs URL SCREENSHOT [--button] [--replay] [--profile DIR] [--timezone NAME]");
  process.exit(2);
}

const zone = option("--timezone", undefined);
const context = await launchPhone(option("--profile", "/tmp/lansync-chromium"),
                                  { deviceScaleFactor: 2, ...(zone ? { timezoneId: zone } : {}) });
const out = { shown: [] };
try {
  // Every offset the page shows, in order, before the page's own script runs.
  await context.addInitScript(() => {
    window.__shown = [];
    window.__shownErrors = [];
    new MutationObserver(() => {
      const el = document.getElementById("offset");
      const error = document.getElementById("delay")?.textContent ?? "";
      if (el && el.dataset.offsetMs !== undefined &&
          (window.__shown.at(-1) !== el.textContent || window.__shownErrors.at(-1) !== error)) {
        window.__shown.push(el.textContent);
        window.__shownErrors.push(error);
      }
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const sets = [];  // the bodies of POST /set, to replay one
  page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith("/set")) sets.push(r.postData()); });
  page.on("pageerror", (e) => { out.page_error = String(e); });
  const reasons = [];  // the server's answers to them: "none" (set) or the refusal's code
  page.on("response", async (r) => {
    if (r.request().method() === "POST" && r.url().endsWith("/set")) reasons.push((await r.json()).reason);
  });

  await page.goto(url, { waitUntil: "load" });
  const finished = () => ["set", "verified", "refused", "agree", "error"].includes(document.getElementById("result").dataset.state);
  await page.waitForFunction(finished, null, { timeout: 20000 });
  out.state = await page.$eval("#result", (e) => e.dataset.state);
  out.result = await page.$eval("#result", (e) => e.textContent);
  if (out.state === "set" || out.state === "verified") {
    // After a set the page measures again and shows the new reference.
    await page.waitForFunction(() => document.getElementById("source").textContent === "phone", null, { timeout: 10000 });
  } else {
    await page.waitForFunction(() => document.getElementById("source").textContent !== "–", null, { timeout: 10000 });
  }
  out.source = await page.$eval("#source", (e) => e.textContent);
  out.zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  out.camera = await page.$eval("#camera", (e) => e.textContent);
  out.camera_warning = await page.$eval("#camera-warning", (e) => (e.hidden ? null : e.textContent));
  out.until = await page.$eval("#until", (e) => e.textContent);
  out.shown = await page.evaluate(() => window.__shown);
  out.shown_errors = await page.evaluate(() => window.__shownErrors);
  out.shown_error = await page.$eval("#delay", (e) => e.textContent);
  out.reasons = reasons.slice();
  out.layout = await page.evaluate(readFileSync(new URL("./layout.js", import.meta.url), "utf8"));
  await page.screenshot({ path: screenshot, fullPage: true });

  // The served time against the browser's clock: NTP's midpoint, least delay of 8.
  out.time = await page.evaluate(async () => {
    let best = null;
    for (let i = 0; i < 8; i++) {
      const base = Date.now() - performance.now();
      const t1 = base + performance.now();
      const r = await fetch("/time", { cache: "no-store" });
      const t4 = base + performance.now();
      const j = await r.json();
      const x = { diff_ms: j.unix_ms - (t1 + t4) / 2, delay_ms: t4 - t1, cache: r.headers.get("Cache-Control"),
                  date: r.headers.get("Date") };
      if (best === null || x.delay_ms < best.delay_ms) best = x;
    }
    return best;
  });

  if (flag("--replay") && sets.length > 0) {
    out.replay = await page.evaluate(async (body) => {
      const r = await fetch("/set", { method: "POST", headers: { "Content-Type": "application/json" }, body });
      const j = await r.json();
      return { status: r.status, reason: j.reason };
    }, sets[sets.length - 1]);
  }
  if (flag("--button")) {
    const responded = page.waitForResponse((r) => r.url().endsWith("/set"), { timeout: 10000 });
    await page.click("#set");
    const j = await (await responded).json();
    await page.waitForFunction(finished, null, { timeout: 10000 });
    out.button = { state: await page.$eval("#result", (e) => e.dataset.state), reason: j.reason,
                   result: await page.$eval("#result", (e) => e.textContent) };
  }
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
