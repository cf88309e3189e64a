/** The end-to-end tests' own PostgreSQL database, on the server TEST_DATABASE_URL points at. */
export function e2eDatabaseUrl() {
	const base = process.env.TEST_DATABASE_URL;
	if (!base) throw new Error('TEST_DATABASE_URL is not set');
	const url = new URL(base);
	url.pathname = '/outcome_tracker_e2e';
	return url.toString();
}
