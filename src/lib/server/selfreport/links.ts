/**
 * Self-report sessions: a one-time link (a token of 160 random bits, only its SHA-256 stored and
 * looked up through a unique index, so finding it takes the same path whatever the token) or a
 * tablet session (no token: the clinician's own browser session switches to patient mode). Each is
 * for one visit's chosen forms, used once, until it expires or a clinician revokes it.
 */
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { isUuid } from '$lib/validation/ids';
import type { Db } from '../db';
import { responses, selfReportAnswers, selfReportLinks, sessions, visits, type SelfReportMode } from '../db/schema';
import { appendAudit } from '../audit';
import { sessionIdFromToken } from '../auth/session';
import { isThrottled, recordAttempt } from '../auth/throttle';
import type { Actor } from '../users';
import { selfReportInstrument } from './wording';

export const DEFAULT_LINK_HOURS = 72;
export const MAX_LINK_HOURS = 24 * 31;
/** A tablet session lasts this long; the patient answers while at the clinic. */
export const TABLET_HOURS = 2;

export type CreateResult =
	| { ok: true; id: string; token: string | null; expiresAt: Date }
	| { ok: false; field: 'visit' | 'instruments' | 'hours'; message: string; status: 400 | 404 };

/** The refusal the patient sees for an unknown, expired, used or revoked link: the same words for all. */
export const LINK_UNUSABLE =
	'This link cannot be used. A link works once, for a limited time, and the clinic may withdraw it. Please ask the clinic for a new one.';

const TOKEN = /^[a-z2-7]{32}$/;

function newToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** Checks the visit and the chosen forms; the reason is the caller's to show at its field. */
async function checkRequest(db: Db, visitId: string, instruments: string[]): Promise<Extract<CreateResult, { ok: false }> | { ok: true; patientId: string }> {
	if (!isUuid(visitId)) return { ok: false, field: 'visit', message: 'No such visit.', status: 404 };
	const [visit] = await db.select({ voided: visits.voided, patientId: visits.patientId }).from(visits).where(eq(visits.id, visitId));
	if (!visit) return { ok: false, field: 'visit', message: 'No such visit.', status: 404 };
	if (visit.voided) return { ok: false, field: 'visit', message: 'This visit is voided; it cannot take answers.', status: 400 };
	if (instruments.length === 0) return { ok: false, field: 'instruments', message: 'Choose at least one form.', status: 400 };
	if (instruments.length > 20 || new Set(instruments).size !== instruments.length) return { ok: false, field: 'instruments', message: 'Choose each form once, at most 20.', status: 400 };
	const unusable = instruments.filter((id) => !selfReportInstrument(id));
	if (unusable.length > 0) return { ok: false, field: 'instruments', message: `Not available for self-report (unknown, or no item wording loaded): ${unusable.join(', ').slice(0, 200)}.`, status: 400 };
	const recorded = await db.select({ id: responses.instrumentId }).from(responses).where(eq(responses.visitId, visitId));
	const taken = instruments.filter((id) => recorded.some((r) => r.id === id));
	if (taken.length > 0) return { ok: false, field: 'instruments', message: `This visit already has answers for ${taken.join(', ')}.`, status: 400 };
	return { ok: true, patientId: visit.patientId };
}

/**
 * A new self-report for a visit's forms: a link (its token returned once) valid for `hours`, or a
 * tablet session. Audited without the token.
 */
export async function createSelfReport(db: Db, actor: Actor & { id: string }, visitId: string, mode: SelfReportMode, instruments: string[], hours = DEFAULT_LINK_HOURS, now = new Date()): Promise<CreateResult> {
	if (!Number.isInteger(hours) || hours < 1 || hours > MAX_LINK_HOURS) return { ok: false, field: 'hours', message: `Hours must be a whole number from 1 to ${MAX_LINK_HOURS}.`, status: 400 };
	const checked = await checkRequest(db, visitId, instruments);
	if (!checked.ok) return checked;
	const token = mode === 'link' ? newToken() : null;
	const expiresAt = new Date(now.getTime() + (mode === 'link' ? hours : TABLET_HOURS) * 3_600_000);
	const id = await db.transaction(async (tx) => {
		const [row] = await tx
			.insert(selfReportLinks)
			.values({ visitId, mode, instruments, tokenHash: token ? sessionIdFromToken(token) : null, expiresAt, createdBy: actor.id, createdAt: now })
			.returning({ id: selfReportLinks.id });
		await appendAudit(tx, { actorId: actor.id, action: 'create', entity: 'self_report', entityId: row!.id, after: { visitId, mode, instruments, expiresAt: expiresAt.toISOString() }, requestId: actor.requestId });
		return row!.id;
	});
	return { ok: true, id, token, expiresAt };
}

/** Revokes a link or tablet session not yet used; false when there is none such. */
export async function revokeSelfReport(db: Db, actor: Actor & { id: string }, id: string): Promise<'revoked' | 'missing' | 'used'> {
	if (!isUuid(id)) return 'missing';
	return db.transaction(async (tx) => {
		const [row] = await tx.select().from(selfReportLinks).where(eq(selfReportLinks.id, id)).for('update');
		if (!row) return 'missing';
		if (row.usedAt) return 'used';
		if (row.revokedAt) return 'revoked';
		const at = new Date();
		await tx.update(selfReportLinks).set({ revokedAt: at }).where(eq(selfReportLinks.id, id));
		// A tablet still in patient mode leaves it: the clinician's session comes back.
		await tx.update(sessions).set({ kioskLinkId: null }).where(eq(sessions.kioskLinkId, id));
		await appendAudit(tx, { actorId: actor.id, action: 'revoke', entity: 'self_report', entityId: id, before: { revoked: false }, after: { revoked: true }, requestId: actor.requestId });
		return 'revoked';
	});
}

export interface OpenSelfReport {
	id: string;
	visitId: string;
	mode: SelfReportMode;
	instruments: string[];
	expiresAt: Date;
}

const usable = (now: Date) => and(isNull(selfReportLinks.usedAt), isNull(selfReportLinks.revokedAt), gt(selfReportLinks.expiresAt, now), eq(visits.voided, false));
const openColumns = { id: selfReportLinks.id, visitId: selfReportLinks.visitId, mode: selfReportLinks.mode, instruments: selfReportLinks.instruments, expiresAt: selfReportLinks.expiresAt };

/** The link a token opens, when it is still usable; else null (unknown, used, revoked, expired alike). */
export async function openLink(db: Db, token: string, now = new Date()): Promise<OpenSelfReport | null> {
	if (!TOKEN.test(token)) return null;
	const [row] = await db
		.select(openColumns)
		.from(selfReportLinks)
		.innerJoin(visits, eq(visits.id, selfReportLinks.visitId))
		.where(and(eq(selfReportLinks.tokenHash, sessionIdFromToken(token)), eq(selfReportLinks.mode, 'link'), usable(now)));
	return row ?? null;
}

/** A tablet session by id, when still usable (the kiosk pages read it on every request). */
export async function openTablet(db: Db, id: string, now = new Date()): Promise<OpenSelfReport | null> {
	const [row] = await db
		.select(openColumns)
		.from(selfReportLinks)
		.innerJoin(visits, eq(visits.id, selfReportLinks.visitId))
		.where(and(eq(selfReportLinks.id, id), eq(selfReportLinks.mode, 'tablet'), usable(now)));
	return row ?? null;
}

/** Puts a browser session into patient mode for a tablet self-report, or back (null). */
export async function setKiosk(db: Db, sessionId: string, linkId: string | null): Promise<void> {
	await db.update(sessions).set({ kioskLinkId: linkId }).where(eq(sessions.id, sessionId));
}

export interface LinkView {
	id: string;
	mode: SelfReportMode;
	instruments: string[];
	createdAt: Date;
	expiresAt: Date;
	state: 'open' | 'submitted' | 'revoked' | 'expired';
}

/** A visit's self-reports, newest first, with their state. */
export async function visitSelfReports(db: Db, visitId: string, now = new Date()): Promise<LinkView[]> {
	const rows = await db.select().from(selfReportLinks).where(eq(selfReportLinks.visitId, visitId)).orderBy(desc(selfReportLinks.createdAt), desc(selfReportLinks.id));
	return rows.map((r) => ({
		id: r.id,
		mode: r.mode,
		instruments: r.instruments,
		createdAt: r.createdAt,
		expiresAt: r.expiresAt,
		state: r.usedAt ? 'submitted' : r.revokedAt ? 'revoked' : r.expiresAt <= now ? 'expired' : 'open'
	}));
}

/** The visit (and patient) a self-report belongs to, for the API's revoke and the pages' guards. */
export async function selfReportVisit(db: Db, id: string): Promise<{ visitId: string; patientId: string } | undefined> {
	if (!isUuid(id)) return undefined;
	const [row] = await db
		.select({ visitId: visits.id, patientId: visits.patientId })
		.from(selfReportLinks)
		.innerJoin(visits, eq(visits.id, selfReportLinks.visitId))
		.where(eq(selfReportLinks.id, id));
	return row;
}

// Failed link look-ups per client address are counted in the sign-in attempts table under keys of
// their own (so they never lock anyone's sign-in): `max` of them, and the address waits (the
// sign-in lock's length, doubling), so guessing a token is slow as well as hopeless.
const linkKey = (address: string) => `self-report:${address}`.slice(0, 200);

export function linkLookupThrottled(db: Db, address: string, limits: { windowMinutes: number; max: number }): Promise<boolean> {
	const key = linkKey(address);
	return isThrottled(db, key, key, { windowMinutes: limits.windowMinutes, accountMax: limits.max, addressMax: limits.max });
}

export function noteFailedLinkLookup(db: Db, address: string): Promise<void> {
	const key = linkKey(address);
	return recordAttempt(db, key, key, false);
}

/** How many submitted forms of a visit wait for review (the visit page's notice). */
export async function awaitingCount(db: Db, visitId: string): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(selfReportAnswers)
		.innerJoin(selfReportLinks, eq(selfReportLinks.id, selfReportAnswers.linkId))
		.where(and(eq(selfReportLinks.visitId, visitId), isNull(selfReportAnswers.acceptedAt), isNull(selfReportAnswers.discardedAt)));
	return Number(row?.n ?? 0);
}
