/**
 * The built-in instruments, as FHIR Questionnaire files (docs/instruments.md). They live inside
 * $lib so that Vite bundles them for the server and the browser alike (the built server has no
 * src/ to read files from) and tsx and vitest import them the same way. Listed in the order the
 * app shows them.
 */
import type { Questionnaire } from '../fhir';
import das28_crp from './das28_crp.json' with { type: 'json' };
import das28_esr from './das28_esr.json' with { type: 'json' };
import eq5d5l_index from './eq5d5l_index.json' with { type: 'json' };
import eq5d_vas from './eq5d_vas.json' with { type: 'json' };
import facit_fatigue from './facit_fatigue.json' with { type: 'json' };
import fss9 from './fss9.json' with { type: 'json' };
import gad7 from './gad7.json' with { type: 'json' };
import haq_di from './haq_di.json' with { type: 'json' };
import hbi from './hbi.json' with { type: 'json' };
import mfis21 from './mfis21.json' with { type: 'json' };
import mfis5 from './mfis5.json' with { type: 'json' };
import pain_nrs from './pain_nrs.json' with { type: 'json' };
import pain_vas from './pain_vas.json' with { type: 'json' };
import phq4 from './phq4.json' with { type: 'json' };
import phq9 from './phq9.json' with { type: 'json' };
import promis_fatigue_t from './promis_fatigue_t.json' with { type: 'json' };
import promis_gh10 from './promis_gh10.json' with { type: 'json' };
import pss10 from './pss10.json' with { type: 'json' };
import rand36 from './rand36.json' with { type: 'json' };
import sledai_2k from './sledai_2k.json' with { type: 'json' };
import who5 from './who5.json' with { type: 'json' };

export const BUILT_IN: readonly Questionnaire[] = [
	fss9, mfis21, mfis5, pain_nrs, pain_vas, who5, rand36, promis_gh10, das28_esr, das28_crp, hbi,
	haq_di, facit_fatigue, promis_fatigue_t, sledai_2k, eq5d5l_index, eq5d_vas,
	pss10, gad7, phq9, phq4
] as unknown as Questionnaire[];
