// Another web app embeds the sync: a page loads ORIGIN/lansync.js and runs
// `await lansync.syncPhone()` then `await lansync.syncCamera()` in Debian's headless Chromium, and
// prints both answers as one JSON object {phone, camera, page_error}; a call that rejects (the Pi
// unreachable, or CORS refused) gives {error} in its place, and the camera is then not asked.
//
//   node embed.mjs ORIGIN [--page URL] [--locate] [--profile DIR] [--camera-timeout MS]
//
// With --locate the browser has a fix (Sydney, -33.8568 151.2153, 12 m) and the permission, and
// the page calls `await lansync.locate()` first (its answer: located).
// The page is ORIGIN's 404 page (any page of the origin serves) or, with --page, an app's page on
// another origin (sntpd --http-allow-origin); the checks are the calling test's
// (tests/interop/sntpd_sync_camera.sh, sntpd_app_origin.sh).
import { launchPhone } from "./launch.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const origin = args[0];
if (!origin) {
  console.error("usage: node embed.mjs ORIGIN [--page URL] [--locate] [--profile DIR] [--camera-timeout MS]");
  process.exit(2);
}
const locate = args.includes("--locate");
const context = await launchPhone(option("--profile", "/tmp/lansync-chromium-embed"), locate
  ? { geolocation: { latitude: -33.8568, longitude: 151.2153, accuracy: 12 }, permissions: ["geolocation"] } : {});
const out = {};
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => { out.page_error = String(e); });
  await page.goto(option("--page", origin + "/intervalometer"), { waitUntil: "load" });
  await page.addScriptTag({ url: origin + "/lansync.js" });
  const timeoutMs = Number(option("--camera-timeout", "20000"));
  Object.assign(out, await page.evaluate(async ({ timeoutMs, locate }) => {
    const r = {};
    try {
      if (locate) r.located = await lansync.locate();
      r.phone = await lansync.syncPhone();
      r.camera = await lansync.syncCamera({ timeoutMs, pollMs: 200 });
    } catch (e) {
      r[r.phone ? "camera" : "phone"] = { error: String(e) };
    }
    return r;
  }, { timeoutMs, locate }));
} finally {
  await context.close();
}
console.log(JSON.stringify(out));
