/** The end-to-end tests' own PostgreSQL database (E2E_DATABASE moves it), on the server TEST_DATABASE_URL points at. */
export function e2eDatabaseUrl() {
	const base = process.env.TEST_DATABASE_URL;
	if (!base) throw new Error('TEST_DATABASE_URL is not set');
	const url = new URL(base);
	url.pathname = `/${process.env.E2E_DATABASE || 'outcome_tracker_e2e'}`;
	return url.toString();
}
