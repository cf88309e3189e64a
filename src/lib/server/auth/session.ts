/**
 * Sessions after Lucia's guide: a random token in the cookie, only its SHA-256 in the database.
 * Each request checks both the idle timeout and the absolute lifetime.
 */
import { and, eq, ne } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Db } from '../db';
import { sessions, users, type Role } from '../db/schema';

export const SESSION_COOKIE = 'ot_session';

export interface SessionUser {
	id: string;
	email: string;
	name: string;
	role: Role;
}

export type PendingStep = 'verify' | 'enrol';

export interface SessionInfo {
	id: string;
	expiresAt: Date;
	idleExpiresAt: Date;
	/** Password proven, second factor not yet: the session opens only the sign-in steps. */
	pending: PendingStep | null;
	/** The device is in patient mode for this tablet self-report: the session opens only its forms. */
	kioskLinkId: string | null;
}

export interface SessionLimits {
	idleMinutes: number;
	maxHours: number;
}

/** last_seen_at (and an API token's last_used_at) is written at most this often, so a busy page does not write on every request. */
export const TOUCH_INTERVAL_MS = 60_000;
// A half-finished sign-in (password proven, code not yet typed) lasts this long.
const PENDING_MINUTES = 10;

/** 20 random bytes (ASVS: at least 128 bits of entropy), base32. */
export function generateSessionToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

export function sessionIdFromToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export async function createSession(
	db: Db,
	token: string,
	userId: string,
	limits: SessionLimits,
	now = new Date(),
	pending: PendingStep | null = null
): Promise<SessionInfo> {
	const id = sessionIdFromToken(token);
	const lifetime = pending ? PENDING_MINUTES * 60_000 : limits.maxHours * 3_600_000;
	const expiresAt = new Date(now.getTime() + lifetime);
	await db.insert(sessions).values({ id, userId, createdAt: now, lastSeenAt: now, expiresAt, pending });
	return { id, expiresAt, idleExpiresAt: idleExpiry(now, expiresAt, limits), pending, kioskLinkId: null };
}

function idleExpiry(lastSeen: Date, expiresAt: Date, limits: SessionLimits): Date {
	const idle = new Date(lastSeen.getTime() + limits.idleMinutes * 60_000);
	return idle < expiresAt ? idle : expiresAt;
}

export type ValidationResult =
	| { session: SessionInfo; user: SessionUser }
	| { session: null; user: null };

export async function validateSessionToken(
	db: Db,
	token: string,
	limits: SessionLimits,
	now = new Date()
): Promise<ValidationResult> {
	const id = sessionIdFromToken(token);
	const [row] = await db
		.select({
			id: sessions.id,
			expiresAt: sessions.expiresAt,
			lastSeenAt: sessions.lastSeenAt,
			pending: sessions.pending,
			kioskLinkId: sessions.kioskLinkId,
			userId: users.id,
			email: users.email,
			name: users.name,
			role: users.role,
			active: users.active
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.id, id));
	if (!row) return { session: null, user: null };
	const idleLimit = new Date(row.lastSeenAt.getTime() + limits.idleMinutes * 60_000);
	if (!row.active || now >= row.expiresAt || now >= idleLimit) {
		await db.delete(sessions).where(eq(sessions.id, id));
		return { session: null, user: null };
	}
	let lastSeen = row.lastSeenAt;
	if (now.getTime() - lastSeen.getTime() >= TOUCH_INTERVAL_MS) {
		lastSeen = now;
		await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, id));
	}
	return {
		session: { id, expiresAt: row.expiresAt, idleExpiresAt: idleExpiry(lastSeen, row.expiresAt, limits), pending: row.pending, kioskLinkId: row.kioskLinkId },
		user: { id: row.userId, email: row.email, name: row.name, role: row.role }
	};
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends every session of a user, or every one but `exceptSessionId`. */
export async function invalidateUserSessions(
	db: Db,
	userId: string,
	exceptSessionId?: string
): Promise<void> {
	await db
		.delete(sessions)
		.where(
			exceptSessionId
				? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId))
				: eq(sessions.userId, userId)
		);
}
