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

export function styleFor(index: number) {
	return SERIES_STYLES[index % SERIES_STYLES.length]!;
}

/** A colour with alpha, for interval bands. */
export function translucent(hex: string, alpha: number): string {
	const n = Number.parseInt(hex.slice(1), 16);
	return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
