import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		projects: [
			{
				extends: './vite.config.ts',
				test: {
					name: 'unit',
					environment: 'node',
					// Property tests score hundreds of forms through the FHIRPath engine (RAND-36 about
					// 3–8 ms a form): over the default 5 s on a loaded 2-core machine.
					testTimeout: 30_000,
					include: ['tests/unit/**/*.test.ts']
				}
			},
			{
				extends: './vite.config.ts',
				test: {
					name: 'integration',
					environment: 'node',
					include: ['tests/integration/**/*.test.ts'],
					// *.postgres.test.ts use what only PostgreSQL has (COPY TO STDOUT): the PostgreSQL pass alone.
					exclude: process.env.TEST_DRIVER === 'postgres' ? [] : ['tests/integration/**/*.postgres.test.ts'],
					globalSetup: ['tests/integration/global-setup.ts'],
					// A developer's own app run may have anchored its audit chains in ./data: not these.
					// Tests that anchor write to files of their own.
					env: { AUDIT_ANCHOR_FILE: '.test-data/integration/no-anchors.log' },
					// One database per worker is shared by its files; files run one after another.
					fileParallelism: false,
					isolate: false,
					testTimeout: 30_000,
					hookTimeout: 120_000
				}
			}
		]
	}
});
