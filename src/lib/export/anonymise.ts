/**
 * Quasi-identifier generalisation for exports: condition × sex × age band. Every patient starts
 * in 5-year age bands; any combination with fewer than k patients has its patients widened, step
 * by step (10-year band, 20-year band, age suppressed, sex suppressed, condition suppressed),
 * until every combination holds at least k patients. If even the fully suppressed group is
 * smaller than k, those patients are left out of the export.
 */
export interface QuasiIdentifiers {
	condition: string;
	sex: string;
	/** Whole years at baseline. */
	age: number;
}

export const LEVELS = ['age5', 'age10', 'age20', 'age*', 'sex*', 'condition*'] as const;

export function ageBand(age: number, width: number): string {
	const low = Math.floor(age / width) * width;
	return `${low}-${low + width - 1}`;
}

export function generalised(q: QuasiIdentifiers, level: number): { condition: string; sex: string; ageBand: string } {
	const width = [5, 10, 20][level];
	return {
		condition: level >= 5 ? '*' : q.condition,
		sex: level >= 4 ? '*' : q.sex,
		ageBand: width ? ageBand(q.age, width) : '*'
	};
}

const keyOf = (g: { condition: string; sex: string; ageBand: string }) => `${g.condition}\u0000${g.sex}\u0000${g.ageBand}`;

export interface Generalisation {
	/** Level per patient (index into LEVELS); patients absent here are suppressed. */
	levels: Map<string, number>;
	suppressed: string[];
	generalisedPatients: number;
	smallestGroup: number | null;
}

export function generaliseToK(patients: Map<string, QuasiIdentifiers>, k: number): Generalisation {
	const levels = new Map<string, number>([...patients.keys()].map((id) => [id, 0]));
	for (;;) {
		const groups = new Map<string, string[]>();
		for (const [id, level] of levels) {
			const key = keyOf(generalised(patients.get(id)!, level));
			const group = groups.get(key);
			if (group) group.push(id);
			else groups.set(key, [id]);
		}
		const small = [...groups.values()].filter((ids) => ids.length < k);
		if (small.length === 0) {
			const sizes = [...groups.values()].map((g) => g.length);
			return {
				levels,
				suppressed: [...patients.keys()].filter((id) => !levels.has(id)),
				generalisedPatients: [...levels.values()].filter((l) => l > 0).length,
				smallestGroup: sizes.length ? Math.min(...sizes) : null
			};
		}
		for (const ids of small) {
			for (const id of ids) {
				const next = levels.get(id)! + 1;
				if (next >= LEVELS.length) levels.delete(id);
				else levels.set(id, next);
			}
		}
	}
}
