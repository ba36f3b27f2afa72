// The one way the browser tests start Debian's headless Chromium: through
// playwright-core, never a downloaded browser, with the flags this machine's
// closed network needs (no background connections), as a phone-sized page.
import { chromium } from "playwright-core";

// A persistent Chromium context in profileDir; extra overrides the phone defaults, and its
// extraArgs (e.g. ["--host-resolver-rules=MAP lansync 127.0.0.1"]) follow Chromium's flags.
export function launchPhone(profileDir, { extraArgs = [], ...extra } = {}) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", ...extraArgs],
    viewport: { width: 390, height: 780 },
    isMobile: true,
    hasTouch: true,
    timeout: 30000,
    ...extra,
  });
}
