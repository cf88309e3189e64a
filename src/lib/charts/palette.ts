/**
 * Series styles that stay distinct in greyscale and for colour-blind readers: Okabe–Ito hues,
 * plus a dash pattern and a point shape per series.
 */
export const SERIES_STYLES = [
	{ color: '#0072B2', dash: [] as number[], point: 'circle' },
	{ color: '#D55E00', dash: [8, 4], point: 'rect' },
	{ color: '#009E73', dash: [2, 3], point: 'triangle' },
	{ color: '#CC79A7', dash: [12, 3, 2, 3], point: 'rectRot' },
	{ color: '#E69F00', dash: [4, 4], point: 'star' },
	{ color: '#56B4E9', dash: [1, 2], point: 'crossRot' },
	{ color: '#000000', dash: [10, 6], point: 'cross' },
	{ color: '#F0E442', dash: [6, 2, 2, 2], point: 'rectRounded' }
] as const;

/**
 * The style of the index-th series. Past the eight, the hues repeat with another dash pattern and
 * point shape (shifted by 3 and 5, coprime to 8), so that no two of the first 64 series look alike
 * (a walk-through found Crohn's disease and ulcerative colitis drawn alike, the 1st and 9th
 * conditions).
 */
export function styleFor(index: number): { color: string; dash: readonly number[]; point: (typeof SERIES_STYLES)[number]['point'] } {
	const n = SERIES_STYLES.length;
	const i = index % n;
	const round = Math.floor(index / n);
	const base = SERIES_STYLES[i]!;
	if (round === 0) return base;
	return { color: base.color, dash: SERIES_STYLES[(i + 3 * round) % n]!.dash, point: SERIES_STYLES[(i + 5 * round) % n]!.point };
}

/** A colour with alpha, for interval bands. */
export function translucent(hex: string, alpha: number): string {
	const n = Number.parseInt(hex.slice(1), 16);
	return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
