/**
 * Enter in a text field moves to the next field of the form instead of submitting it: clinicians
 * typing item answers press Enter by habit. Enter in the form's last field, or on its submit
 * button, still saves. A Svelte attachment: `<form {@attach enterMovesOn}>`.
 */
const TYPING = new Set(['text', 'number', 'date', 'email', 'search', 'tel', 'url', '']);

function fields(form: HTMLFormElement): HTMLElement[] {
	return [...form.querySelectorAll<HTMLElement>('input, select, textarea')].filter((el) => {
		if (el instanceof HTMLInputElement && (el.type === 'hidden' || el.disabled)) return false;
		if ((el as HTMLSelectElement).disabled) return false;
		return el.offsetParent !== null || el.getClientRects().length > 0;
	});
}

export function enterMovesOn(form: HTMLFormElement) {
	const onKey = (event: KeyboardEvent) => {
		if (event.key !== 'Enter' || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
		const target = event.target;
		if (!(target instanceof HTMLInputElement) || !TYPING.has(target.type)) return;
		const list = fields(form);
		const next = list[list.indexOf(target) + 1];
		if (!next) return; // the last field: Enter saves
		event.preventDefault();
		next.focus();
		if (next instanceof HTMLInputElement && TYPING.has(next.type)) next.select();
	};
	form.addEventListener('keydown', onKey);
	return () => form.removeEventListener('keydown', onKey);
}
