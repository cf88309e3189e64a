/**
 * Free text must show what it holds. Bidirectional controls (U+202A–202E, U+2066–2069, the marks
 * U+200E/200F and U+061C) reorder the characters around them on screen, so `‮gnp.exe Admín`
 * can display as something else; zero-width characters (U+200B, U+2060, U+FEFF, the invisible
 * operators U+2061–2064) and control characters make two texts that look the same differ. No
 * one types them; they arrive by pasting, or on purpose. Every free-text field refuses them
 * through `visibleText`, so forms, the import and the API all do.
 *
 * The joiners U+200C/U+200D are letters' business in Persian, Arabic and the Indic scripts (and
 * ZWJ joins emoji), so they are accepted between two letters of such a script (or two emoji),
 * and refused anywhere else, e.g. between Latin letters where they only hide a difference.
 */
import * as v from 'valibot';

// C0 controls but tab, line feed and carriage return; DEL and C1 controls; bidi controls and
// marks; zero-width space, word joiner, invisible operators; the byte-order mark.
const ALWAYS_HIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
const MAYBE_HIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
// Scripts whose letters never need a joiner; Common and Inherited are not a script's own letters.
const NO_JOINERS = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}]$/u;
const EMOJI_BEFORE_ZWJ = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F]$/u;
const EMOJI = /^\p{Extended_Pictographic}$/u;

const shapedByJoiner = (c: string | undefined) => c !== undefined && LETTER_OR_MARK.test(c) && !NO_JOINERS.test(c);

// Half of a surrogate pair standing alone: no character at all. It reaches us only through the
// API or a script (a browser's form sends U+FFFD instead), and PostgreSQL's JSON refuses it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first character of `s` that does not show (as U+XXXX), or null when every character shows. */
export function hiddenCharacter(s: string): string | null {
	const lone = LONE_SURROGATE.exec(s);
	if (lone) return `U+${lone[0].charCodeAt(0).toString(16).toUpperCase()}`;
	if (!MAYBE_HIDDEN.test(s)) return null;
	const chars = [...s];
	for (let i = 0; i < chars.length; i++) {
		const c = chars[i]!;
		let hidden = ALWAYS_HIDDEN.test(c);
		if (c === '\u200C' || c === '\u200D') {
			const [before, after] = [chars[i - 1], chars[i + 1]];
			const joinsLetters = shapedByJoiner(before) && shapedByJoiner(after);
			const joinsEmoji = c === '\u200D' && before !== undefined && after !== undefined && EMOJI_BEFORE_ZWJ.test(before) && EMOJI.test(after);
			hidden = !joinsLetters && !joinsEmoji;
		}
		if (hidden) return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
	}
	return null;
}

export function hiddenCharacterMessage(s: string): string {
	return `This holds an invisible character (${hiddenCharacter(s)}) that can make text look different from what is stored, usually pasted in from another program. Delete it (typing the text afresh removes it) and save again.`;
}

/** A pipe action for every free-text field: refuses text holding a character that does not show. */
export const visibleText = () =>
	v.check<string, (issue: v.CheckIssue<string>) => string>(
		(s) => hiddenCharacter(s) === null,
		(issue) => hiddenCharacterMessage(String(issue.input))
	);
