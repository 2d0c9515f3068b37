// screenshots.mjs: the README's pictures of the trainer page, in Debian's Chromium (node scripts/screenshots.mjs):
// docs/trainer-1280.png (1280x900, after a 3,000-step run of wavenet76k: the loss, samples, the
// evaluation) and docs/trainer-390.png (a phone, 390x844: the first screen, then its data and settings).
import path from 'node:path';
import { ROOT, launchChromium, openTrainer, serve } from '../tests/browser/harness.mjs';

const { base, stop } = await serve();
const browser = await launchChromium();
try {
  const { page } = await openTrainer(browser, base);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('train'))).disabled);
  await page.fill('#steps', '3000');
  await page.click('#train');
  await page.waitForFunction(() => /^Done: .*Loss: train/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 120000 });
  await page.waitForFunction(() => (document.getElementById('samples')?.children.length ?? 0) > 0);
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: path.join(ROOT, 'docs/trainer-1280.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ROOT, 'docs/trainer-390.png') });
  console.log('wrote docs/trainer-1280.png and docs/trainer-390.png');
} finally {
  await browser.close();
  stop();
}
