/** A sparkline's geometry, for the small trend lines of the patient summary and the dashboard. Pure. */

/** An SVG polyline's points for a sparkline of `values` in a width × height box (y down). */
export function sparklinePoints(values: number[], width: number, height: number, range?: { min: number; max: number | null }): string {
	if (values.length === 0) return '';
	const lo = Math.min(range?.min ?? Infinity, ...values);
	const hi = Math.max(range?.max ?? -Infinity, ...values);
	const span = hi - lo || 1;
	const step = values.length > 1 ? width / (values.length - 1) : 0;
	const pad = 2;
	return values
		.map((v, i) => {
			const x = values.length > 1 ? i * step : width / 2;
			const y = pad + (height - 2 * pad) * (1 - (v - lo) / span);
			return `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`;
		})
		.join(' ');
}
