/** What the plan form needs to show: conditions, outcomes, the period's choices for the caller's role. */
import type { Db } from '../db';
import type { Role } from '../db/schema';
import { firstEnrolment, listConditions } from '../patients';
import { mayFilterByDay, quarterChoices } from '../../privacy/periods';
import { today } from '../../validation/clinical';
import { outcomeOptions } from '../../validation/plans';

export async function planFormData(db: Db, role: Role) {
	const dayPrecise = mayFilterByDay(role);
	const [conditions, first] = await Promise.all([listConditions(db), dayPrecise ? null : firstEnrolment(db)]);
	return {
		conditions: conditions.map((c) => ({ code: c.code, label: c.label })),
		outcomes: outcomeOptions(),
		period: { dayPrecise, quarters: dayPrecise ? [] : quarterChoices(first, today()) }
	};
}
