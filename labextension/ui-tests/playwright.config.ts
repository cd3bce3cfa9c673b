/**
 * Browser end-to-end tests: Playwright driving Debian's Chromium (/usr/bin/chromium; no
 * browser download) against a real `jupyter lab` that start_lab.py runs in a temp dir
 * with the LearnFlow server extension, the LearnFlow kernel and this labextension.
 *
 *   cd labextension && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install && jlpm build:prod
 *   jlpm e2e            # screenshots in ../build/screenshots/
 */
import { defineConfig } from '@playwright/test';
import * as path from 'path';

const PORT = Number(process.env.LEARNFLOW_E2E_PORT ?? 8899);
const TOKEN = process.env.LEARNFLOW_E2E_TOKEN ?? 'learnflow-e2e';
const PYTHON = process.env.LEARNFLOW_E2E_PYTHON ?? 'python3';
process.env.LEARNFLOW_E2E_PORT = String(PORT);
process.env.LEARNFLOW_E2E_TOKEN = TOKEN;

export default defineConfig({
  testDir: './tests',
  outputDir: path.join(__dirname, '..', '..', 'build', 'playwright-results'),
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list'], ['junit', { outputFile: path.join(__dirname, '..', '..', 'build', 'playwright-junit.xml') }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.LEARNFLOW_E2E_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: `${PYTHON} ${path.join(__dirname, 'start_lab.py')}`,
    url: `http://127.0.0.1:${PORT}/api/status?token=${TOKEN}`,
    timeout: 90_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 }
  }
});
