import fs from 'node:fs';
import { chromium, defineConfig, type PlaywrightTestConfig } from '@playwright/test';

// Debian's Chromium (or CHROMIUM_PATH) when present, else Playwright's own browser.
const executablePath =
	process.env.CHROMIUM_PATH || (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
if (!executablePath && !fs.existsSync(chromium.executablePath())) {
	throw new Error(
		'No Chromium for the end-to-end tests. Install one: `apt-get install chromium` (Debian/Ubuntu), ' +
			'`npx playwright install chromium`, or set CHROMIUM_PATH to a Chromium/Chrome binary.'
	);
}

// The servers and the specs' own writes (users, sessions: audited) share one audit key, so the
// chains they write together verify.
process.env.AUDIT_SECRET ||= 'e2e-audit-secret-0123456789abcdef0123456789';

// Ports can be moved (E2E_PGLITE_PORT, E2E_POSTGRES_PORT) so two runs on one machine do not collide.
const PGLITE_PORT = Number(process.env.E2E_PGLITE_PORT || 4174);
const POSTGRES_PORT = Number(process.env.E2E_POSTGRES_PORT || 4173);
const withPostgres = Boolean(process.env.TEST_DATABASE_URL);

const projects: PlaywrightTestConfig['projects'] = [
	{ name: 'pglite', testMatch: /smoke\.spec\.ts/, use: { baseURL: `http://localhost:${PGLITE_PORT}` } }
];
const webServer: NonNullable<PlaywrightTestConfig['webServer']> = [
	{
		command: `node tests/e2e/serve.js pglite ${PGLITE_PORT}`,
		url: `http://localhost:${PGLITE_PORT}/healthz`,
		timeout: 180_000,
		reuseExistingServer: false,
		stdout: 'ignore',
		stderr: 'pipe'
	}
];
if (withPostgres) {
	projects.push({
		name: 'postgres',
		testIgnore: /smoke\.spec\.ts/,
		use: { baseURL: `http://localhost:${POSTGRES_PORT}` }
	});
	webServer.push({
		command: `node tests/e2e/serve.js postgres ${POSTGRES_PORT}`,
		url: `http://localhost:${POSTGRES_PORT}/healthz`,
		timeout: 120_000,
		reuseExistingServer: false,
		stdout: 'ignore',
		stderr: 'pipe'
	});
}

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: true,
	workers: process.env.CI ? 2 : undefined,
	forbidOnly: Boolean(process.env.CI),
	retries: 0,
	timeout: 30_000,
	reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : [['list']],
	use: {
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	},
	projects,
	webServer
});
