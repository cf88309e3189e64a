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
