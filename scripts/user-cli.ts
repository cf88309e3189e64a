/**
 * npm run user -- create --email E --role admin|clinician|researcher [--name N]
 * npm run user -- reset-password --email E
 * The password is read from standard input (one line), or prompted for without echo on a terminal.
 * With the embedded database, stop the app first: PGlite allows one process at a time.
 */
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import * as v from 'valibot';
import { settings } from '../src/lib/server/config';
import { connect, disconnect } from '../src/lib/server/db';
import { createUser, findUserByEmail, setPassword } from '../src/lib/server/users';
import { EmailSchema, NameSchema, RoleSchema } from '../src/lib/validation/account';
import { bringKeysUpToDate } from '../src/lib/server/keys-at-start';

const USAGE = `Usage:
  npm run user -- create --email E --role admin|clinician|researcher [--name "Full Name"]
  npm run user -- reset-password --email E
The password is read from standard input, or prompted for on a terminal.`;

async function readPassword(prompt: string): Promise<string> {
	if (!process.stdin.isTTY) {
		const chunks: Buffer[] = [];
		for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
	}
	const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
	const output = rl as unknown as { _writeToOutput: (s: string) => void };
	process.stdout.write(prompt);
	output._writeToOutput = () => {};
	const answer = await new Promise<string>((resolve) => rl.question('', resolve));
	rl.close();
	process.stdout.write('\n');
	return answer;
}

function fail(message: string): never {
	console.error(message);
	process.exit(2);
}

async function main() {
	const { positionals, values } = parseArgs({
		allowPositionals: true,
		options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean' } }
	});
	const command = positionals[0];
	if (values.help || !command) {
		console.log(USAGE);
		process.exit(command ? 0 : 2);
	}
	const email = v.safeParse(EmailSchema, values.email ?? '');
	if (!email.success) fail(`--email: ${email.issues[0].message}`);

	const database = await connect(settings());
	await bringKeysUpToDate(database.db, settings());
	try {
		const actor = { id: null, requestId: `cli-${process.pid}` };
		if (command === 'create') {
			const role = v.safeParse(RoleSchema, values.role ?? '');
			if (!role.success) fail('--role must be admin, clinician or researcher');
			const name = v.safeParse(NameSchema, values.name ?? email.output.split('@')[0]);
			if (!name.success) fail(`--name: ${name.issues[0].message}`);
			const password = await readPassword('Password for the new account: ');
			const result = await createUser(database.db, actor, {
				email: email.output,
				name: name.output,
				role: role.output,
				password
			});
			if (!result.ok) fail(`${result.field}: ${result.message}`);
			console.log(`Created ${role.output} ${email.output}.`);
		} else if (command === 'reset-password') {
			const user = await findUserByEmail(database.db, email.output);
			if (!user) fail(`No account with email ${email.output}.`);
			const password = await readPassword(`New password for ${email.output}: `);
			const result = await setPassword(database.db, actor, user.id, password);
			if (!result.ok) fail(`${result.field}: ${result.message}`);
			console.log(`Password reset for ${email.output}; their sessions have ended.`);
		} else {
			fail(USAGE);
		}
	} finally {
		await disconnect();
	}
}

await main();
