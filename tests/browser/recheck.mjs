// Opens sntpd's phone page in Debian's headless Chromium with the page's clock under playwright's
// control (page.clock), lets it finish its first check, then moves its clock forward and counts the
// GET /exchange requests the page makes: the re-measure schedule (GET /time's check_in_s while the Pi
// is reliable, every minute while it is not), judged by requests counted, never by wall time.
//
//   node recheck.mjs URL SCREENSHOT --profile DIR (--idle M | --minutes N | --sets N) [--button]
//
// --idle M: after the first check, M-1 min (expect no new exchange), then 1 min more (expect one check).
// --minutes N: N steps of 1 min, each waiting for that step's check (8 exchanges) to end.
// --sets N: the clock not moved: the page stays open, its timers running in real time, until it has
//   made N POST /set in all (at most N minutes).
// --button: at the end, press the button and report the server's answer.
// The JSON: state, result and note (the button-only line, null when hidden) after the first check,
// sets (the POST /set reasons, in order), first (exchanges in the first check), before_idle and
// after_idle (new exchanges since the first check, at M-1 and M min) or per_minute (new exchanges
// after each step), button {state, reason}.  The checks are the calling test's
// (tests/interop/sntpd_phone_recheck.sh).
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const [url, screenshot] = args;
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
if (!url || !screenshot) {
  console.error("usage: node recheck.mjs URL SCREENSHOT --profile DIR (--idle M | --minutes N | --sets N) [--button]");
  process.exit(2);
}

const EXCHANGES = 8;  // one check's measurement (the page's EXCHANGES)
const context = await launchPhone(option("--profile", "/tmp/lansync-chromium-recheck"), { deviceScaleFactor: 1 });
const out = {};
try {
  const page = context.pages()[0] ?? (await context.newPage());
  let exchanges = 0;
  const sets = [];
  page.on("request", (r) => { if (r.url().endsWith("/exchange")) exchanges++; });
  page.on("response", async (r) => {
    if (r.request().method() === "POST" && r.url().endsWith("/set")) sets.push((await r.json()).reason);
  });
  page.on("pageerror", (e) => { out.page_error = String(e); });
  // Fake timers, time flowing as the real one until moved: the page's setTimeout obeys fastForward.
  await page.clock.install();
  await page.goto(url, { waitUntil: "load" });
  const finished = () => ["set", "verified", "refused", "agree", "error", "manual"].includes(
    document.getElementById("result").dataset.state);
  await page.waitForFunction(finished, null, { timeout: 20000 });
  // Wait for the first check's exchanges to have been answered (a set measures twice).
  const settle = async (count) => {
    for (let i = 0; i < 200 && exchanges < count; i++) await new Promise((r) => setTimeout(r, 50));
    await page.waitForFunction(finished, null, { timeout: 20000 });
  };
  await settle(EXCHANGES);
  out.state = await page.$eval("#result", (e) => e.dataset.state);
  out.result = await page.$eval("#result", (e) => e.textContent);
  out.note = await page.$eval("#manual-note", (e) => (e.hidden ? null : e.textContent));
  out.first = exchanges;
  const base = exchanges;
  // Moves the page's timers span ms on, its wall clock staying the real one (the phone's clock
  // is right; only the time the page has been open grows): the wall clock set back first, as
  // setSystemTime moves no timer.  A later /time answer: every timer due at the jump has fired and
  // sent its requests by then.
  const afterJump = async (span_ms) => {
    const time = page.waitForResponse((r) => r.url().endsWith("/time"), { timeout: 20000 });
    await page.clock.setSystemTime(Date.now() - span_ms);
    await page.clock.fastForward(span_ms);
    await time;
  };
  const idle = Number(option("--idle", "0"));
  if (idle > 0) {
    await afterJump((idle - 1) * 60_000);
    out.before_idle = exchanges - base;
    const setsBefore = sets.length;
    await afterJump(60_000);
    await settle(base + EXCHANGES);
    out.after_idle = exchanges - base;
    // The check ends with its POST /set (the page's state already reads "verified" from the first
    // check): wait for its answer, bounded, so that out.sets holds it.
    for (let i = 0; i < 200 && sets.length <= setsBefore; i++) await new Promise((r) => setTimeout(r, 50));
  }
  const minutes = Number(option("--minutes", "0"));
  if (minutes > 0) {
    out.per_minute = [];
    for (let m = 1; m <= minutes; m++) {
      await afterJump(60_000);
      await settle(base + m * EXCHANGES);
      out.per_minute.push(exchanges - base);
    }
  }
  const wanted = Number(option("--sets", "0"));
  for (let i = 0; i < wanted * 1200 && sets.length < wanted; i++) await new Promise((r) => setTimeout(r, 50));
  out.sets = sets.slice();
  await page.screenshot({ path: screenshot, fullPage: true });
  if (flag("--button")) {
    const responded = page.waitForResponse((r) => r.url().endsWith("/set"), { timeout: 20000 });
    await page.click("#set");
    const j = await (await responded).json();
    out.button = { reason: j.reason, result: j.result };
  }
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
