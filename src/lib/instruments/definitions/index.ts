/**
 * The built-in instruments, as FHIR Questionnaire files (docs/instruments.md). They live inside
 * $lib so that Vite bundles them for the server and the browser alike (the built server has no
 * src/ to read files from) and tsx and vitest import them the same way. Listed in the order the
 * app shows them.
 */
import type { Questionnaire } from '../fhir';
import das28_crp from './das28_crp.json';
import das28_esr from './das28_esr.json';
import eq5d5l_index from './eq5d5l_index.json';
import eq5d_vas from './eq5d_vas.json';
import facit_fatigue from './facit_fatigue.json';
import fss9 from './fss9.json';
import haq_di from './haq_di.json';
import hbi from './hbi.json';
import mfis21 from './mfis21.json';
import mfis5 from './mfis5.json';
import pain_nrs from './pain_nrs.json';
import pain_vas from './pain_vas.json';
import promis_fatigue_t from './promis_fatigue_t.json';
import promis_gh10 from './promis_gh10.json';
import rand36 from './rand36.json';
import sledai_2k from './sledai_2k.json';
import who5 from './who5.json';

export const BUILT_IN: readonly Questionnaire[] = [
	fss9, mfis21, mfis5, pain_nrs, pain_vas, who5, rand36, promis_gh10, das28_esr, das28_crp, hbi,
	haq_di, facit_fatigue, promis_fatigue_t, sledai_2k, eq5d5l_index, eq5d_vas
] as unknown as Questionnaire[];
