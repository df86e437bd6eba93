/**
 * Real Chromium (Debian's `chromium`, or CHROMIUM_PATH) driven by playwright-core: no browser
 * downloads. One launcher for compare:browser, the screenshots and the tests.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless and quiet (no updates, no sync, no QUIC), and videos may autoplay with sound. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (err) {
    throw new Error(`could not start Chromium at ${CHROMIUM} (${(err as Error).message.split('\n')[0]}); install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
}
