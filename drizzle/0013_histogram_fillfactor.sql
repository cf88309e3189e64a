-- The fold updates histogram counts in place. With full pages every update wrote a new row
-- version on another page and a new entry in the seven-column primary key; with room left on each
-- page the update stays on its page (a HOT update, no index entry). Folding 5,000 differences at
-- 20,000 patients: the upsert's 238 ms → 146 ms. Applies to rows written from now on (a rebuild —
-- seed, or a new rollup version — writes them all anew); VACUUM FULL scale_histogram repacks an
-- existing table at once.
ALTER TABLE scale_histogram SET (fillfactor = 70);
