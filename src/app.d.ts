import type { PendingStep, SessionInfo, SessionUser } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Error {
			message: string;
			requestId?: string;
		}
		interface Locals {
			requestId: string;
			user: SessionUser | null;
			session: SessionInfo | null;
			/** Password proven, second factor not yet: only the sign-in steps open (user stays null). */
			pending: { user: SessionUser; step: PendingStep } | null;
			/** The device is handed to a patient (tablet self-report): only /kiosk opens (user stays null). */
			kiosk: { linkId: string; user: SessionUser; sessionId: string } | null;
		}
	}
}

export {};
