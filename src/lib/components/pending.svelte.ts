import type { SubmitFunction } from '@sveltejs/kit';

/** Tracks a form submission so its button can be disabled while the request is in flight. */
export class Pending {
	active = $state(false);

	submit: SubmitFunction = () => {
		this.active = true;
		return async ({ update }) => {
			try {
				await update();
			} finally {
				this.active = false;
			}
		};
	};
}
