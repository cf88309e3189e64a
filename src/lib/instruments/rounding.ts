/**
 * Round half up (away from zero for .5), immune to binary artefacts: 1.005 → 1.01, 65.625 → 65.63.
 * Stored scores stay unrounded; this is for display only (instruments.md §1 rule 6).
 */
export function roundHalfUp(value: number, decimals: number): number {
	if (!Number.isFinite(value)) return value;
	const sign = value < 0 ? -1 : 1;
	// toPrecision(15) drops the float noise (1.005 is stored as 1.00499999999999989…).
	const clean = Number(Math.abs(value).toPrecision(15));
	return sign * shift(Math.round(shift(clean, decimals)), -decimals);
}

/** x · 10^k through the decimal exponent; String(x) may carry its own (1e-7, 1e+21), so add to it. */
function shift(x: number, k: number): number {
	const [mantissa, exponent = '0'] = String(x).split('e');
	return Number(`${mantissa}e${Number(exponent) + k}`);
}
