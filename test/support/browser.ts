import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium, driven by playwright-core (which downloads no browser of its own). CHROMIUM_PATH
 * overrides; scripts/bootstrap.sh installs the package when it is missing. Its absence is an error,
 * not a skip: the browser tests are part of `make test`.
 */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) return given;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path && existsSync(path)) return path;
    } catch {
      // not on PATH: try the next name
    }
  }
  throw new Error('no chromium found: run scripts/bootstrap.sh (installs Debian chromium) or set CHROMIUM_PATH');
}

/** A headless browser; the caller closes it. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true });
}
