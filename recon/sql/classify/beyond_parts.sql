-- beyond_parts: the entries the matches beyond one-to-one paired (one row per entry, by
-- the kind that paired it and its system): the run's count of matched entries adds
-- them (recon/pipeline/classify.py), and the audits hold that against the findings.
CREATE OR REPLACE TEMP TABLE beyond_parts (kind VARCHAR, side VARCHAR);
