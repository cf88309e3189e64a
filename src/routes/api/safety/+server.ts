import { json } from '@sveltejs/kit';
import * as v from 'valibot';
import { requireRole } from '$lib/server/auth/guard';
import { settings } from '$lib/server/config';
import { readDb } from '$lib/server/context';
import { safetyFigures } from '$lib/server/safety';
import { SafetyQuerySchema, safetyParams } from '$lib/validation/safety';
import type { RequestHandler } from './$types';

// GET /api/safety?conditions=a,b — adverse event and flare figures, groups of fewer than k patients withheld.
export const GET: RequestHandler = async (event) => {
	requireRole(event, 'clinician', 'researcher', 'admin');
	const parsed = v.safeParse(SafetyQuerySchema, safetyParams(event.url));
	if (!parsed.success) return json({ message: parsed.issues.map((i) => i.message).join(' ') }, { status: 400 });
	return json(await safetyFigures(readDb(), { conditions: parsed.output.conditions }, settings().minCell));
};
