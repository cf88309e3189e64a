/**
 * The part of a FHIR R4 Questionnaire (with SDC extensions) that instruments use, and readers for
 * its extensions. Pure and light (no FHIRPath): the browser's registry reads definitions with it.
 */

/** Standard FHIR / SDC extension URLs, and ours (docs/instruments.md). */
export const URL = {
	variable: 'http://hl7.org/fhir/StructureDefinition/variable',
	calculatedExpression: 'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression',
	minValue: 'http://hl7.org/fhir/StructureDefinition/minValue',
	maxValue: 'http://hl7.org/fhir/StructureDefinition/maxValue',
	maxDecimalPlaces: 'http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces',
	unit: 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit',
	hidden: 'http://hl7.org/fhir/StructureDefinition/questionnaire-hidden',
	ordinalValue: 'http://hl7.org/fhir/StructureDefinition/ordinalValue',
	itemWeight: 'http://hl7.org/fhir/StructureDefinition/itemWeight',
	/** Ours: what FHIR has no place for (construct, scales, MCIDs, licence, bands, worked examples). */
	instrument: 'https://outcome-tracker.org/fhir/StructureDefinition/instrument'
} as const;

export interface Extension {
	url: string;
	extension?: Extension[];
	valueString?: string;
	valueCode?: string;
	valueInteger?: number;
	valueDecimal?: number;
	valueBoolean?: boolean;
	valueCoding?: Coding;
	valueExpression?: { name?: string; language?: string; expression?: string };
	[key: string]: unknown;
}

export interface Coding {
	system?: string;
	code?: string;
	display?: string;
	extension?: Extension[];
}

export interface AnswerOption {
	valueInteger?: number;
	valueDecimal?: number;
	valueCoding?: Coding;
	extension?: Extension[];
}

export interface QItem {
	linkId: string;
	type: string;
	text?: string;
	prefix?: string;
	required?: boolean;
	readOnly?: boolean;
	answerOption?: AnswerOption[];
	extension?: Extension[];
	item?: QItem[];
}

export interface Questionnaire {
	resourceType: 'Questionnaire';
	id?: string;
	url?: string;
	version?: string;
	name?: string;
	title?: string;
	status?: string;
	extension?: Extension[];
	item?: QItem[];
}

export const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function extensionsOf(node: { extension?: unknown }, url: string): Extension[] {
	const list = Array.isArray(node.extension) ? node.extension : [];
	return list.filter((e): e is Extension => isObject(e) && e.url === url);
}

export const extensionOf = (node: { extension?: unknown }, url: string): Extension | undefined => extensionsOf(node, url)[0];

/** The number an extension carries (valueInteger or valueDecimal), if it is a finite number. */
export function numberOf(ext: Extension | undefined): number | undefined {
	const v = ext?.valueDecimal ?? ext?.valueInteger;
	return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The number an answer option stands for: its value, or its coding's ordinalValue / itemWeight. */
export function optionNumber(option: AnswerOption): number | undefined {
	if (typeof option.valueInteger === 'number') return option.valueInteger;
	if (typeof option.valueDecimal === 'number') return option.valueDecimal;
	if (isObject(option.valueCoding)) {
		return numberOf(extensionOf(option.valueCoding, URL.ordinalValue) ?? extensionOf(option.valueCoding, URL.itemWeight)) ??
			numberOf(extensionOf(option, URL.ordinalValue) ?? extensionOf(option, URL.itemWeight));
	}
	return undefined;
}

/** Every item, depth first in document order, with its ancestors. */
export function* walkItems(items: QItem[] | undefined, ancestors: QItem[] = []): Generator<{ item: QItem; ancestors: QItem[] }> {
	for (const item of items ?? []) {
		yield { item, ancestors };
		if (Array.isArray(item.item)) yield* walkItems(item.item, [...ancestors, item]);
	}
}

export const calculatedExpressionOf = (item: QItem) => extensionOf(item, URL.calculatedExpression)?.valueExpression?.expression;

/** Items a person answers: numbers or choices, not groups, display items or calculated items. */
export const isAnswerable = (item: QItem) =>
	(item.type === 'integer' || item.type === 'decimal' || item.type === 'choice') && calculatedExpressionOf(item) === undefined;

/**
 * Reads a complex extension into a plain object: each sub-extension's value (or, when it has
 * sub-extensions of its own, an object read the same way). Names in `repeating` become arrays.
 */
export function readComplex(ext: Extension, repeating: ReadonlySet<string> = new Set()): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const sub of ext.extension ?? []) {
		if (!isObject(sub) || typeof sub.url !== 'string') continue;
		// Only the top level repeats (scale, example…); their parts are single values.
		const value = Array.isArray(sub.extension) && sub.extension.length > 0 ? readComplex(sub) : valueOf(sub);
		if (repeating.has(sub.url)) ((out[sub.url] ??= []) as unknown[]).push(value);
		else out[sub.url] = value;
	}
	return out;
}

function valueOf(ext: Extension): unknown {
	for (const [key, value] of Object.entries(ext)) if (key.startsWith('value')) return value;
	return undefined;
}
