/** The name of an uploaded file, checked the same way in the browser and on the server. */
import * as v from 'valibot';
import { visibleText } from './text';

/** imports.file_name holds at most this many characters (a CHECK); a longer name is refused, never cut. */
export const MAX_FILE_NAME = 255;

const characters = (s: string) => [...s].length;

export const FileNameSchema = v.pipe(
	v.string(),
	v.trim(),
	visibleText(),
	v.nonEmpty('Choose a CSV file.'),
	v.check(
		(s) => characters(s) <= MAX_FILE_NAME,
		(issue) => `The file name has ${characters(String(issue.input))} characters; at most ${MAX_FILE_NAME} are kept. Rename the file and upload it again.`
	)
);
