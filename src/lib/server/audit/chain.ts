/**
 * What a row's hash covers. Two rules, by a row's place in its chain (see verify.ts):
 * - keyed (every row the app writes now): HMAC-SHA-256 under the audit key (key.ts) of the
 *   chain's number, the previous row's hash and the row's canonical content. Without the key
 *   nobody can compute it, so a chain cannot be rebuilt after an edit, a deletion or an insertion.
 * - unkeyed (rows written before the key, up to each chain's rekey row): SHA-256 of the previous
 *   hash and the content. Still checked: the rekey row's keyed hash covers the unkeyed head.
 */
import { createHash, createHmac } from 'node:crypto';
import { auditKeys } from './key';

/** JSON with object keys sorted at every level, so jsonb's own key order does not matter. */
export function canonicalJson(value: unknown): string {
	if (value === undefined) return 'null';
	if (value === null || typeof value !== 'object') return JSON.stringify(value);
	if (value instanceof Date) return JSON.stringify(value.toISOString());
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, v]) => v !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface HashedContent {
	at: Date;
	actorId: string | null;
	action: string;
	entity: string;
	entityId: string;
	before: unknown;
	after: unknown;
	reason: string | null;
	requestId: string | null;
}

/** The text a row's hash covers, after the previous hash and a newline. */
function hashedText(row: HashedContent): string {
	return canonicalJson({
		at: row.at.toISOString(),
		actorId: row.actorId,
		action: row.action,
		entity: row.entity,
		entityId: row.entityId,
		before: row.before ?? null,
		after: row.after ?? null,
		reason: row.reason,
		requestId: row.requestId
	});
}

/** The unkeyed rule of rows written before the key (and what anyone can compute). */
export function auditHash(prevHash: string | null, row: HashedContent): string {
	return createHash('sha256').update(`${prevHash ?? ''}\n${hashedText(row)}`, 'utf8').digest('hex');
}

/** The keyed rule: the chain's number is covered too, so a row cannot move to another chain. */
export function keyedAuditHash(chain: number, prevHash: string | null, row: HashedContent, key: Buffer = auditKeys().chain): string {
	return createHmac('sha256', key).update(`${chain}\n${prevHash ?? ''}\n${hashedText(row)}`, 'utf8').digest('hex');
}
