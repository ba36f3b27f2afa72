// Opens lansync-board's phone page in Debian's headless Chromium (through playwright-core) as a
// phone would, after another site's page has tried to set the board, and prints what happened
// as one JSON object.
//
//   node board_phone.mjs BOARD_URL OTHER_SITE_URL SCREENSHOT [--profile DIR]
//
// The JSON: cross_site (what the other site's page got: the status of its no-cors form-like
// POST, and whether its JSON PUT was blocked by the browser), shown (the page's text after
// pressing its button), requests (method, path and status of every request the board's page
// made), replay (status when the page's PUT /time is sent again from the page), time (the
// least-delay of 4 GET /time against the browser's own clock: diff_ms, delay_ms, error_s).
// The checks are the calling test's (tests/interop/board_phone.sh); this only drives and reports.
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const [board, other, screenshot] = args;
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
if (!board || !other || !screenshot) {
  console.error("usage: node board_phone.mjs BOARD_URL OTHER_SITE_URL SCREENSHOT [--profile DIR]");
  process.exit(2);
}

const context = await launchPhone(option("--profile", "/tmp/lansync-chromium-board"));
const out = {};
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => { out.page_error = String(e); });

  // 1. Another site's page: what any page can send without asking, and a JSON PUT (needs CORS).
  const statuses = [];
  page.on("response", (r) => { if (r.url().startsWith(board)) statuses.push(r.status()); });
  await page.goto(other, { waitUntil: "load" });
  out.cross_site = await page.evaluate(async (target) => {
    const body = "unix_ms=" + Date.now() + "&error_ms=0";
    await fetch(target + "/time", { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body });
    let json_blocked = false;
    try {
      await fetch(target + "/time", { method: "PUT", headers: { "Content-Type": "application/json" },
                                      body: JSON.stringify({ unix_ms: Date.now() }) });
    } catch (e) {
      json_blocked = true;
    }
    return { json_blocked };
  }, board);
  out.cross_site.statuses = statuses.slice();

  // 2. The board's own page: press its button.
  const requests = [];
  const puts = [];
  page.on("request", (r) => { if (r.method() === "PUT") puts.push(r.postData()); });
  page.on("response", (r) => {
    if (r.url().startsWith(board)) requests.push(r.request().method() + " " + new URL(r.url()).pathname + " " + r.status());
  });
  await page.goto(board + "/", { waitUntil: "load" });
  await page.waitForFunction(() => document.getElementById("s").textContent !== "...", null, { timeout: 10000 });
  out.before = await page.$eval("#s", (e) => e.textContent);
  await page.click("#b");
  await page.waitForFunction(() => /clock set|refused|better|token|expected/.test(document.getElementById("s").textContent),
                             null, { timeout: 10000 });
  out.shown = await page.$eval("#s", (e) => e.textContent);
  out.requests = requests.slice();
  await page.screenshot({ path: screenshot, fullPage: true });

  // 3. The page's own set request again: the token is spent.
  if (puts.length > 0) {
    out.replay = await page.evaluate(async (body) => {
      const r = await fetch("/time", { method: "PUT", headers: { "Content-Type": "application/json" }, body });
      return { status: r.status, message: (await r.json()).message };
    }, puts[puts.length - 1]);
  }
  out.time = await page.evaluate(async () => {
    let best = null;
    for (let i = 0; i < 4; i++) {
      const t1 = Date.now();
      const j = await (await fetch("/time", { cache: "no-store" })).json();
      const t4 = Date.now();
      const x = { diff_ms: j.unix_ns / 1e6 - (t1 + t4) / 2, delay_ms: t4 - t1, error_s: j.error_s, source: j.source };
      if (best === null || x.delay_ms < best.delay_ms) best = x;
    }
    return best;
  });
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
