// Opens sntpd's phone page over HTTPS (a self-signed certificate, accepted as a phone's user
// accepts the warning: ignoreHTTPSErrors) in Debian's headless Chromium, lets it measure and set
// the clock, and prints one JSON object: secure (window.isSecureContext: whether the browser would
// give the page the phone's position), protocol, state (the page's result), reasons (the server's
// codes for the page's POST /set requests: "none" when it set the clock), origin (the Origin header
// the page's POST /set carried).  The checks are the calling test's (tests/interop/sntpd_https.sh).
//
//   node https_page.mjs URL SCREENSHOT --profile DIR
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const [url, screenshot] = args;
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
if (!url || !screenshot) {
  console.error("usage: node https_page.mjs URL SCREENSHOT --profile DIR");
  process.exit(2);
}

const context = await launchPhone(option("--profile", "/tmp/lansync-chromium-https"),
                                  { deviceScaleFactor: 1, ignoreHTTPSErrors: true });
const out = { reasons: [] };
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => { out.page_error = String(e); });
  page.on("request", async (r) => {
    if (r.method() === "POST" && r.url().endsWith("/set")) out.origin = (await r.allHeaders()).origin ?? null;
  });
  page.on("response", async (r) => {
    if (r.request().method() === "POST" && r.url().endsWith("/set")) out.reasons.push((await r.json()).reason);
  });
  await page.goto(url, { waitUntil: "load" });
  out.secure = await page.evaluate(() => window.isSecureContext);
  out.protocol = await page.evaluate(() => location.protocol);
  const finished = () => ["set", "verified", "refused", "agree", "error", "manual"].includes(
    document.getElementById("result").dataset.state);
  await page.waitForFunction(finished, null, { timeout: 30000 });
  out.state = await page.$eval("#result", (e) => e.dataset.state);
  out.result = await page.$eval("#result", (e) => e.textContent);
  await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
