import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); browsers are never downloaded. */
export const CHROMIUM = "/usr/bin/chromium";

export interface TestBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** True when Debian's Chromium is installed. */
export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Launches Debian's Chromium headless with a fresh profile and no background traffic (no
 * updates, no sync, no QUIC), as the machine notes say works here. Playwright gives every launch
 * a fresh temporary --user-data-dir of its own (it refuses one passed in args) and removes it.
 */
export async function launchChromium(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}
