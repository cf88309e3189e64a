/**
 * Item answers from a form: field `i:<instrument>:<item>`. Blank means missing (null, never 0);
 * anything that is not a plain decimal number becomes NaN so that the scorer rejects it at the item.
 */
export function parseAnswer(raw: unknown): number | null {
	if (typeof raw !== 'string') return null;
	const s = raw.trim().replace(',', '.');
	if (s === '') return null;
	return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
}

export function answerField(instrumentId: string, itemKey: string): string {
	return `i:${instrumentId}:${itemKey}`;
}

/** The answers for each chosen instrument, read from the form's fields. */
export function answersFromForm(
	data: FormData,
	instrumentIds: string[],
	itemKeys: (id: string) => string[] | undefined
): { instrumentId: string; answers: Record<string, number | null> }[] {
	return instrumentIds.map((instrumentId) => {
		const answers: Record<string, number | null> = {};
		for (const key of itemKeys(instrumentId) ?? []) answers[key] = parseAnswer(data.get(answerField(instrumentId, key)));
		return { instrumentId, answers };
	});
}

/** What the user typed, to echo back on a failed save. */
export function rawAnswers(data: FormData): Record<string, string> {
	const raw: Record<string, string> = {};
	for (const [key, value] of data.entries()) if (key.startsWith('i:') && typeof value === 'string') raw[key] = value;
	return raw;
}
