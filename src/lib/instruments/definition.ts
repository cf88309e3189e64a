/**
 * Reads a Questionnaire's items and our instrument extension into the app's InstrumentDef: items
 * with their allowed values, scales with range and direction, MCIDs, bands, licence and worked
 * examples. Pure and light (no FHIRPath), so the browser's registry uses it too.
 */
import {
	extensionOf,
	isAnswerable,
	isObject,
	numberOf,
	optionNumber,
	readComplex,
	URL,
	walkItems,
	type QItem,
	type Questionnaire
} from './fhir';
import { CONSTRUCTS, type CategoryBand, type Construct, type InstrumentDef, type ItemDef, type Mcid, type ScaleDef, type WorkedExample } from './types';

/** A problem in a definition, with the place it is at. */
export interface Problem {
	where: string;
	message: string;
}

const REPEATING = new Set(['source', 'scale', 'mcid', 'band', 'item', 'example']);
const LICENCE_CLASSES = ['A', 'A*', 'B', 'C'] as const;
const DIRECTIONS = { 'higher-is-better': true, 'lower-is-better': false } as const;

type Raw = Record<string, unknown>;
const str = (x: unknown): string | undefined => (typeof x === 'string' && x.trim() !== '' ? x : undefined);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const list = (x: unknown): Raw[] => (Array.isArray(x) ? x.filter(isObject) : []);

/** Decimals allowed by a step of 1, 0.1, 0.001… */
export const decimalsOfStep = (step: number) => Math.max(0, Math.round(-Math.log10(step)));

/** An answerable item's allowed values, as the entry form and the answer checks use them. */
export function itemDefOf(item: QItem, labels: Map<string, { label?: string; codes?: string }>): ItemDef {
	const own = labels.get(item.linkId);
	const unit = extensionOf(item, URL.unit)?.valueCoding;
	const options = Array.isArray(item.answerOption) ? item.answerOption.map(optionNumber).filter((n): n is number => n !== undefined) : [];
	let min: number, max: number, step: number;
	if (options.length > 0) {
		min = Math.min(...options);
		max = Math.max(...options);
		step = options.every(Number.isInteger) ? 1 : 10 ** -Math.max(...options.map((o) => (String(o).split('.')[1] ?? '').length));
	} else {
		min = numberOf(extensionOf(item, URL.minValue)) ?? Number.NEGATIVE_INFINITY;
		max = numberOf(extensionOf(item, URL.maxValue)) ?? Number.POSITIVE_INFINITY;
		const places = numberOf(extensionOf(item, URL.maxDecimalPlaces));
		step = item.type === 'integer' ? 1 : 10 ** -(places ?? 6);
	}
	return {
		key: item.linkId,
		label: own?.label ?? `Item ${item.linkId}`,
		...(typeof item.text === 'string' && item.text.trim() !== '' ? { text: item.text } : {}),
		min,
		max,
		step,
		...(options.length > 0 ? { options } : {}),
		...(unit && typeof (unit.code ?? unit.display) === 'string' ? { unit: (unit.display ?? unit.code)! } : {}),
		codes: own?.codes ?? (options.length > 0 ? options.join(', ') : `${min}–${max}`)
	};
}

/**
 * The app's view of a definition. Problems name the place in our extension; the structure and
 * expressions are the engine's to check (compileQuestionnaire).
 */
export function readDefinition(q: Questionnaire): { def: InstrumentDef; problems: Problem[] } {
	const problems: Problem[] = [];
	const at = (where: string, message: string) => problems.push({ where, message });
	const ext = extensionOf(q, URL.instrument);
	if (!ext) at('Questionnaire.extension', `the instrument extension (${URL.instrument}) is missing: the app needs it to use the definition`);
	const x: Raw = ext ? readComplex(ext, REPEATING) : {};

	const itemsByLinkId = new Map<string, QItem>();
	for (const { item } of walkItems(q.item)) if (isObject(item) && typeof item.linkId === 'string') itemsByLinkId.set(item.linkId, item);
	const labels = new Map<string, { label?: string; codes?: string }>();
	for (const [i, raw] of list(x.item).entries()) {
		const linkId = str(raw.linkId);
		if (!linkId || !itemsByLinkId.has(linkId)) at(`instrument.item[${i}]`, `linkId “${String(raw.linkId)}” is no item of the questionnaire`);
		else labels.set(linkId, { label: str(raw.label), codes: str(raw.codes) });
	}
	const items: ItemDef[] = [];
	for (const { item } of walkItems(q.item)) if (isObject(item) && isAnswerable(item)) items.push(itemDefOf(item, labels));

	const scales: ScaleDef[] = [];
	for (const [i, raw] of list(x.scale).entries()) {
		const where = `instrument.scale[${i}]${str(raw.linkId) ? ` (“${raw.linkId}”)` : ''}`;
		const key = str(raw.linkId);
		const min = num(raw.min);
		const max = raw.max === undefined ? null : num(raw.max);
		const direction = str(raw.direction);
		const decimals = num(raw.decimals);
		if (!key || !itemsByLinkId.has(key)) at(where, 'linkId names no item of the questionnaire');
		if (min === undefined) at(where, 'min is missing');
		if (max === undefined) at(where, 'max must be a number (leave it out for a scale with no upper bound)');
		if (max !== null && max !== undefined && min !== undefined && max < min) at(where, `max ${max} is below min ${min}`);
		if (!direction || !(direction in DIRECTIONS)) at(where, 'direction must be “higher-is-better” or “lower-is-better”');
		if (decimals === undefined || !Number.isInteger(decimals) || decimals < 0 || decimals > 6) at(where, 'decimals must be a whole number from 0 to 6');
		if (scales.some((s) => s.key === key)) at(where, `scale “${key}” is declared twice`);
		scales.push({
			key: key ?? '',
			label: str(raw.label) ?? key ?? '',
			min: min ?? 0,
			max: max ?? null,
			higherIsBetter: DIRECTIONS[direction as keyof typeof DIRECTIONS] ?? false,
			decimals: decimals ?? 0
		});
	}
	if (ext && scales.length === 0) at('instrument.scale', 'no scale is declared');
	const scaleKeys = new Set(scales.map((s) => s.key));

	const mcid: Mcid[] = list(x.mcid).map((raw, i) => {
		const where = `instrument.mcid[${i}]`;
		if (!scaleKeys.has(str(raw.scale) ?? '')) at(where, `scale “${String(raw.scale)}” is not a declared scale`);
		if (num(raw.value) === undefined || num(raw.value)! <= 0) at(where, 'value must be a positive number');
		if (!str(raw.population)) at(where, 'population is missing (an MCID holds only in the population it was derived in)');
		if (!str(raw.source)) at(where, 'source is missing');
		return { scale: str(raw.scale) ?? '', value: num(raw.value) ?? 0, population: str(raw.population) ?? '', source: str(raw.source) ?? '' };
	});

	const categories: Record<string, CategoryBand[]> = {};
	for (const [i, raw] of list(x.band).entries()) {
		const scale = str(raw.scale) ?? '';
		const [min, max, label] = [num(raw.min), num(raw.max), str(raw.label)];
		if (!scaleKeys.has(scale)) at(`instrument.band[${i}]`, `scale “${String(raw.scale)}” is not a declared scale`);
		if (min === undefined || max === undefined || !label || max < min) at(`instrument.band[${i}]`, 'a band needs a label, min and max (max ≥ min)');
		(categories[scale] ??= []).push({ label: label ?? '', min: min ?? 0, max: max ?? 0 });
	}

	const examples: WorkedExample[] = list(x.example).map((raw, i) => readExample(raw, `instrument.example[${i}]`, at));
	if (ext && examples.length === 0) at('instrument.example', 'no worked example is given: a definition is used only once its examples pass');

	const licence = isObject(x.licence) ? x.licence : {};
	const licenceClass = LICENCE_CLASSES.find((c) => c === licence.class);
	if (ext && !licenceClass) at('instrument.licence.class', 'licence class must be A, A*, B or C');
	if (ext && !str(licence.note)) at('instrument.licence.note', 'licence note is missing');
	const construct = CONSTRUCTS.find((c) => c === x.construct);
	if (ext && !construct) at('instrument.construct', `construct must be one of ${CONSTRUCTS.join(', ')}`);
	if (ext && !str(x.missingRule)) at('instrument.missingRule', 'the missing-item rule (in words) is missing');
	if (!str(q.id) || !/^[a-z0-9_]{1,40}$/.test(q.id!)) at('Questionnaire.id', 'id must be 1–40 lower-case letters, digits or “_”');
	if (!str(q.version) || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(q.version!)) at('Questionnaire.version', 'version must be 1–40 letters, digits, “.”, “_” or “-”');
	const scoringVersion = str(x.scoringVersion) ?? `${q.id}-${q.version}`;
	if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/.test(scoringVersion)) at('instrument.scoringVersion', 'scoringVersion must be 1–60 letters, digits, “.”, “_” or “-”');

	const def: InstrumentDef = {
		id: q.id ?? '',
		version: q.version ?? '',
		scoringVersion,
		name: str(q.title) ?? str(q.name) ?? q.id ?? '',
		shortName: str(x.shortName) ?? str(q.name) ?? q.id ?? '',
		construct: (construct ?? 'quality_of_life') as Construct,
		kind: x.kind === 'score_only' ? 'score_only' : 'items',
		items,
		scales,
		missingRule: str(x.missingRule) ?? '',
		mcid,
		licence: { class: licenceClass ?? 'C', note: str(licence.note) ?? '' },
		sources: (Array.isArray(x.source) ? x.source : []).filter((s): s is string => typeof s === 'string'),
		...(Object.keys(categories).length > 0 ? { categories } : {}),
		examples,
		questionnaire: q
	};
	return { def, problems };
}

function readExample(raw: Raw, where: string, at: (where: string, message: string) => void): WorkedExample {
	const name = str(raw.name) ?? where;
	const parse = (field: string): unknown => {
		if (raw[field] === undefined) return undefined;
		try {
			return JSON.parse(String(raw[field]));
		} catch {
			at(`${where}.${field}`, 'is not valid JSON');
			return undefined;
		}
	};
	const answers = parse('answers');
	const scores = parse('scores');
	const refusedItems = parse('refusedItems');
	const refused = str(raw.refused);
	if (!isObject(answers)) at(`${where}.answers`, 'answers must be a JSON object of linkId → number');
	if (refused === undefined && !isObject(scores)) at(where, 'an example needs expected scores (a JSON object) or a refusal reason');
	if (refused !== undefined && scores !== undefined) at(where, 'an example either expects scores or a refusal, not both');
	if (refusedItems !== undefined && !(Array.isArray(refusedItems) && refusedItems.every((s) => typeof s === 'string')))
		at(`${where}.refusedItems`, 'must be a JSON array of linkIds');
	const tolerance = num(raw.tolerance) ?? 0;
	if (tolerance < 0) at(`${where}.tolerance`, 'must not be negative');
	return {
		name,
		answers: (isObject(answers) ? answers : {}) as WorkedExample['answers'],
		...(isObject(scores) ? { scores: scores as Record<string, number | null> } : {}),
		tolerance,
		...(refused !== undefined ? { refused } : {}),
		...(Array.isArray(refusedItems) ? { refusedItems: refusedItems as string[] } : {})
	};
}
