/**
 * A cohort request as the page and GET /api/cohort/trend both take it: the URL parsed, the
 * enrolment period checked against the caller's role (whole quarters below admin), and the query
 * written to the audit log — refused ones too — so an audit can see a differencing attempt.
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { appendReadAudit } from '../audit';
import { mayFilterByDay, periodErrors, periodMessage } from '../../privacy/periods';
import { paramsFromUrl, TrendQuerySchema, type TrendParams } from '../../validation/cohort';
import type { TrendQuery } from '.';

export type TrendRequest =
	| { ok: true; params: TrendParams; query: TrendQuery }
	/** `params` is null when the URL did not parse at all (`message` says why); `fields`: the period's refusals. */
	| { ok: false; params: TrendParams | null; message: string; fields: { from?: string; to?: string } };

export function readTrendRequest(url: URL, role: Role): TrendRequest {
	const parsed = v.safeParse(TrendQuerySchema, paramsFromUrl(url));
	if (!parsed.success) return { ok: false, params: null, message: parsed.issues.map((i) => i.message).join(' '), fields: {} };
	const params = parsed.output;
	const unrestricted = mayFilterByDay(role);
	const fields = unrestricted ? {} : periodErrors({ from: params.from, to: params.to });
	if (fields.from || fields.to) return { ok: false, params, message: periodMessage(fields), fields };
	const { instrument, scale, axis, bucket, measure, conditions, from, to } = params;
	return { ok: true, params, query: { instrument, scale, axis, bucket, measure, conditions, enrolledFrom: from, enrolledTo: to, unrestricted } };
}

/**
 * One audit row per cohort query that parsed (who, when — the row's own — and the filters, with
 * the refusal if any), on the primary (the chart may read a replica), as a read (appendReadAudit).
 */
export async function auditCohortQuery(db: Db, actor: { id: string; requestId?: string }, via: 'page' | 'api', request: TrendRequest): Promise<void> {
	if (!request.params) return;
	const { instrument, scale, axis, bucket, measure, conditions, from, to } = request.params;
	await appendReadAudit(db, {
		actorId: actor.id,
		action: 'query',
		entity: 'cohort',
		entityId: randomUUID(),
		after: {
			via,
			filters: { instrument, scale, axis, bucket, measure, conditions, enrolledFrom: from ?? null, enrolledTo: to ?? null },
			...(request.ok ? {} : { refused: request.fields })
		},
		requestId: actor.requestId
	});
}
