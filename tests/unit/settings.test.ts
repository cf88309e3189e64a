import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../src/lib/server/config';

const saved = { ...process.env };
afterEach(() => {
	process.env = { ...saved };
});

describe('DATABASE_READ_URL', () => {
	it('names a replica of DATABASE_URL', () => {
		process.env.DATABASE_URL = 'postgres://db.example/outcomes';
		process.env.DATABASE_READ_URL = 'postgres://replica.example/outcomes';
		expect(settings()).toMatchObject({ databaseUrl: 'postgres://db.example/outcomes', databaseReadUrl: 'postgres://replica.example/outcomes' });
	});

	it('is refused without DATABASE_URL (the embedded database has no replicas)', () => {
		delete process.env.DATABASE_URL;
		process.env.DATABASE_READ_URL = 'postgres://replica.example/outcomes';
		expect(() => settings()).toThrow(/DATABASE_READ_URL.*DATABASE_URL/);
	});

	it('is optional', () => {
		process.env.DATABASE_URL = 'postgres://db.example/outcomes';
		delete process.env.DATABASE_READ_URL;
		expect(settings().databaseReadUrl).toBeUndefined();
	});
});
