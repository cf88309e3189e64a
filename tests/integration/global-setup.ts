/**
 * Integration tests run against a real database: PGlite (default) or the PostgreSQL server at
 * TEST_DATABASE_URL when TEST_DRIVER=postgres. A PostgreSQL test database is wiped first so the
 * real migrations run from zero.
 */
import postgres from 'postgres';

export default async function setup() {
	if (process.env.TEST_DRIVER !== 'postgres') return;
	const url = process.env.TEST_DATABASE_URL;
	if (!url) throw new Error('TEST_DRIVER=postgres needs TEST_DATABASE_URL');
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		await sql.unsafe('drop schema if exists drizzle cascade; drop schema public cascade; create schema public;');
	} finally {
		await sql.end();
	}
}
