import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { requireUser } from '$lib/server/auth/guard';
import { db } from '$lib/server/context';
import { checkPassword, setPassword } from '$lib/server/users';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/auth/tokens';
import { mfaRequiredRoles, mfaState, regenerateRecoveryCodes, removeMfa, verifySecondFactor } from '$lib/server/auth/mfa';
import { ChangePasswordSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [tokens, mfa, required] = await Promise.all([listApiTokens(db(), user.id), mfaState(db(), user.id), mfaRequiredRoles(db())]);
	return {
		email: user.email,
		role: user.role,
		mfa: { enabled: mfa.enabled, recoveryCodesLeft: mfa.recoveryCodesLeft, required: required.includes(user.role) },
		tokens: tokens.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString().slice(0, 10), lastUsedAt: t.lastUsedAt?.toISOString().slice(0, 16).replace('T', ' ') ?? null, revoked: t.revokedAt !== null }))
	};
};

export const actions: Actions = {
	password: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['current', 'password', 'confirm']);
		const parsed = v.safeParse(ChangePasswordSchema, values);
		if (!parsed.success) return invalid({}, fieldErrors(parsed.issues));
		if (!(await checkPassword(db(), user.id, parsed.output.current))) {
			return invalid({}, { current: 'Your current password is not correct.' });
		}
		const result = await setPassword(
			db(),
			{ id: user.id, requestId: event.locals.requestId },
			user.id,
			parsed.output.password,
			event.locals.session?.id
		);
		if (!result.ok) return invalid({}, { [result.field]: result.message });
		return { saved: true };
	},
	/** New recovery codes, proven with a current code from the app. */
	recovery: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['code']);
		if ((await verifySecondFactor(db(), user.id, values.code)) !== 'totp') {
			return invalid({}, { recoveryCode: 'Type the current 6-digit code from your authenticator app.' });
		}
		const result = await regenerateRecoveryCodes(db(), { id: user.id, requestId: event.locals.requestId });
		if (!result.ok) return invalid({}, { recoveryCode: result.message });
		return { codes: result.value };
	},
	/** Turns two-factor sign-in off, proven with the password; not where the role requires it. */
	disableMfa: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['mfaPassword']);
		if ((await mfaRequiredRoles(db())).includes(user.role)) {
			return invalid({}, { mfaPassword: 'Your administrator requires two-factor sign-in for your role.' });
		}
		if (!(await checkPassword(db(), user.id, values.mfaPassword))) {
			return invalid({}, { mfaPassword: 'Your password is not correct.' });
		}
		await removeMfa(db(), { id: user.id, requestId: event.locals.requestId }, user.id, 'self');
		return { mfaOff: true };
	},
	token: async (event) => {
		const user = requireUser(event);
		const name = String((await event.request.formData()).get('name') ?? '').trim();
		if (name.length < 1 || name.length > 100) return invalid({ name }, { name: 'Name the token (1–100 characters), e.g. “R analysis”.' });
		const created = await createApiToken(db(), { id: user.id, requestId: event.locals.requestId }, name);
		return { token: created.token, tokenName: name };
	},
	revoke: async (event) => {
		const user = requireUser(event);
		const id = String((await event.request.formData()).get('id') ?? '');
		if (!(await revokeApiToken(db(), { id: user.id, requestId: event.locals.requestId }, id))) {
			return invalid({}, { tokens: 'No such active token.' });
		}
		return { revoked: true };
	}
};
