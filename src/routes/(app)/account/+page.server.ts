import * as v from 'valibot';
import { invalid } from '$lib/server/form';
import { requireRole, requireUser } from '$lib/server/auth/guard';
import { db, throttleLimits } from '$lib/server/context';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/auth/tokens';
import { mfaRequiredRoles, mfaState } from '$lib/server/auth/mfa';
import { changeOwnPassword, disableOwnMfa, newRecoveryCodesWithAppCode, type RecheckResult, type Who } from '$lib/server/auth/recheck';
import { THROTTLED_MESSAGE } from '$lib/server/auth/throttle';
import { hasKioskPin, setOwnKioskPin } from '$lib/server/auth/kiosk-pin';
import type { SessionUser } from '$lib/server/auth/session';
import { ChangePasswordSchema, TokenNameSchema } from '$lib/validation/account';
import { fieldErrors, formValues } from '$lib/validation/form';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** The signed-in user and their address, for the throttle the re-checks share with sign-in. */
function who(event: RequestEvent, user: SessionUser): Who {
	return { id: user.id, email: user.email, role: user.role, address: event.getClientAddress(), requestId: event.locals.requestId };
}

/** A failed re-check as the form shows it: at `field`, 429 when throttled. */
function refused(result: Exclude<RecheckResult, { ok: true }>, field: string, wrong: string) {
	if (result.reason === 'refused') return invalid({}, { [result.field]: result.message });
	return result.reason === 'throttled' ? invalid({}, { [field]: THROTTLED_MESSAGE }, 429) : invalid({}, { [field]: wrong });
}

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const [tokens, mfa, required, pin] = await Promise.all([listApiTokens(db(), user.id), mfaState(db(), user.id), mfaRequiredRoles(db()), hasKioskPin(db(), user.id)]);
	return {
		email: user.email,
		role: user.role,
		mfa: { enabled: mfa.enabled, recoveryCodesLeft: mfa.recoveryCodesLeft, required: required.includes(user.role) },
		// Patient mode is the clinicians' (and admins'): only they are offered a PIN for leaving it.
		kioskPin: user.role === 'researcher' ? null : { set: pin },
		tokens: tokens.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt.toISOString().slice(0, 10), lastUsedAt: t.lastUsedAt?.toISOString().slice(0, 16).replace('T', ' ') ?? null, revoked: t.revokedAt !== null }))
	};
};

export const actions: Actions = {
	password: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['current', 'password', 'confirm']);
		const parsed = v.safeParse(ChangePasswordSchema, values);
		if (!parsed.success) return invalid({}, fieldErrors(parsed.issues));
		const result = await changeOwnPassword(db(), who(event, user), parsed.output.current, parsed.output.password, throttleLimits(), event.locals.session?.id);
		if (!result.ok) return refused(result, 'current', 'Your current password is not correct.');
		return { saved: true };
	},
	/** New recovery codes, proven with a current code from the app. */
	recovery: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['code']);
		const result = await newRecoveryCodesWithAppCode(db(), who(event, user), values.code, throttleLimits());
		if (!result.ok) return refused(result, 'recoveryCode', 'Type the current 6-digit code from your authenticator app.');
		return { codes: result.codes };
	},
	/** Turns two-factor sign-in off, proven with the password; not where the role requires it. */
	disableMfa: async (event) => {
		const user = requireUser(event);
		const values = formValues(await event.request.formData(), ['mfaPassword']);
		const result = await disableOwnMfa(db(), who(event, user), values.mfaPassword, throttleLimits());
		if (!result.ok) return refused(result, 'mfaPassword', 'Your password is not correct.');
		return { mfaOff: true };
	},
	/** A PIN for ending patient mode (or, with `remove`, none), proven with the password. */
	kioskPin: async (event) => {
		const user = requireRole(event, 'clinician', 'admin');
		const data = await event.request.formData();
		const values = formValues(data, ['pinPassword', 'pin']);
		const remove = data.get('remove') === 'yes';
		if (!remove && values.pin.trim() === '') return invalid({}, { pin: 'Type 6 to 8 digits.' });
		if (values.pinPassword === '') return invalid({}, { pinPassword: 'Type your password.' });
		const result = await setOwnKioskPin(db(), who(event, user), values.pinPassword, remove ? null : values.pin.trim(), throttleLimits());
		if (!result.ok) return refused(result, 'pinPassword', 'Your password is not correct.');
		return { pinSaved: remove ? 'removed' : 'set' };
	},
	token: async (event) => {
		const user = requireUser(event);
		const { name } = formValues(await event.request.formData(), ['name']);
		const parsed = v.safeParse(TokenNameSchema, name);
		if (!parsed.success) return invalid({ name }, { name: parsed.issues[0].message });
		const created = await createApiToken(db(), { id: user.id, requestId: event.locals.requestId }, parsed.output);
		return { token: created.token, tokenName: parsed.output };
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
