// Another web app on the Pi embeds the sync: a page of sntpd's origin loads /lansync.js and runs
// `await lansync.syncPhone()` then `await lansync.syncCamera()` in Debian's headless Chromium, and
// prints both answers as one JSON object {phone, camera, page_error}.
//
//   node embed.mjs ORIGIN [--profile DIR] [--camera-timeout MS]
//
// The page is the Pi's 404 page (any page of the origin serves); the checks are the calling test's
// (tests/interop/sntpd_sync_camera.sh).
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const origin = args[0];
if (!origin) {
  console.error("usage: node embed.mjs ORIGIN [--profile DIR] [--camera-timeout MS]");
  process.exit(2);
}
const context = await launchPhone(option("--profile", "/tmp/lansync-chromium-embed"));
const out = {};
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => { out.page_error = String(e); });
  await page.goto(origin + "/intervalometer", { waitUntil: "load" });
  await page.addScriptTag({ url: "/lansync.js" });
  const timeoutMs = Number(option("--camera-timeout", "20000"));
  Object.assign(out, await page.evaluate(async (timeoutMs) => ({
    phone: await lansync.syncPhone(),
    camera: await lansync.syncCamera({ timeoutMs, pollMs: 200 }),
  }), timeoutMs));
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
