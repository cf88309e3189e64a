/**
 * Settings come from the environment (see README "Settings"). Read lazily so that tests and the
 * command-line tools can set them before first use.
 */
import path from 'node:path';

function intSetting(name: string, fallback: number, min: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min) {
		throw new Error(`${name} must be a whole number of at least ${min} (got "${raw}")`);
	}
	return value;
}

export interface Settings {
	databaseUrl: string | undefined;
	/** A read replica for cohort charts and exports (DATABASE_READ_URL); needs databaseUrl. */
	databaseReadUrl: string | undefined;
	dataDir: string;
	sessionIdleMinutes: number;
	sessionMaxHours: number;
	/** undefined: decide per request (Secure unless plain http on localhost). */
	cookieSecure: boolean | undefined;
	throttleWindowMinutes: number;
	throttleAccountMax: number;
	throttleAddressMax: number;
	/** Smallest group shown in cohort statistics and exports (never below 3). */
	minCell: number;
	/** Where the signed audit chain heads are appended (outside the database). */
	auditAnchorFile: string;
	/** How often the audit chain heads are anchored (when they moved). */
	auditAnchorSeconds: number;
	/** The clinic's name: all a patient's self-report page shows of who asks (CLINIC_NAME). */
	clinicName: string;
	/** Failed self-report link look-ups from one address before it waits (SELF_REPORT_LINK_FAILURES_MAX). */
	linkFailuresMax: number;
}

function readUrl(): string | undefined {
	const url = process.env.DATABASE_READ_URL || undefined;
	if (url && !process.env.DATABASE_URL) throw new Error('DATABASE_READ_URL is a replica of DATABASE_URL: set DATABASE_URL too (the embedded database has no replicas)');
	return url;
}

export function settings(): Settings {
	const secure = process.env.COOKIE_SECURE;
	const dataDir = path.resolve(process.env.DATA_DIR || 'data');
	return {
		databaseUrl: process.env.DATABASE_URL || undefined,
		databaseReadUrl: readUrl(),
		dataDir,
		sessionIdleMinutes: intSetting('SESSION_IDLE_MINUTES', 60, 1),
		sessionMaxHours: intSetting('SESSION_MAX_HOURS', 12, 1),
		cookieSecure: secure === undefined || secure === '' ? undefined : secure === 'true',
		throttleWindowMinutes: intSetting('LOGIN_THROTTLE_WINDOW_MINUTES', 15, 1),
		throttleAccountMax: intSetting('LOGIN_THROTTLE_ACCOUNT_MAX', 5, 1),
		throttleAddressMax: intSetting('LOGIN_THROTTLE_ADDRESS_MAX', 30, 1),
		minCell: intSetting('MIN_CELL_SIZE', 5, 3),
		auditAnchorFile: path.resolve(process.env.AUDIT_ANCHOR_FILE || path.join(dataDir, 'audit-anchors.log')),
		auditAnchorSeconds: intSetting('AUDIT_ANCHOR_SECONDS', 60, 1),
		linkFailuresMax: intSetting('SELF_REPORT_LINK_FAILURES_MAX', 10, 1),
		clinicName: (process.env.CLINIC_NAME ?? '').trim().slice(0, 120) || 'Your clinic'
	};
}
