-- Studies keep the verbatim v2 record (zstd) plus the columns that search,
-- filters and stats read without decoding it. Dates are "YYYY-MM-DD"
-- (partial dates padded) so they sort as text; '' when unknown.
CREATE TABLE studies (
	nct_id                  TEXT PRIMARY KEY,
	last_update_posted      TEXT NOT NULL,
	content_hash            BLOB NOT NULL,
	raw                     BLOB NOT NULL,
	overall_status          TEXT NOT NULL,
	study_type              TEXT NOT NULL,
	phases                  TEXT NOT NULL, -- space-separated API v2 values
	has_results             INTEGER NOT NULL,
	sex                     TEXT NOT NULL,
	min_age_days            REAL,          -- NULL: no limit
	max_age_days            REAL,          -- NULL: no limit
	healthy_volunteers      INTEGER,       -- NULL: not stated
	start_date              TEXT NOT NULL,
	primary_completion_date TEXT NOT NULL,
	completion_date         TEXT NOT NULL,
	first_posted            TEXT NOT NULL,
	enrollment              INTEGER,       -- NULL: not stated
	lead_sponsor_class      TEXT NOT NULL,
	funder_types            TEXT NOT NULL, -- space-separated agency classes
	brief_title             TEXT NOT NULL,
	acronym                 TEXT NOT NULL,
	org_study_id            TEXT NOT NULL
);
CREATE INDEX studies_status ON studies (overall_status);
CREATE INDEX studies_type ON studies (study_type);
CREATE INDEX studies_updated ON studies (last_update_posted);
CREATE INDEX studies_start ON studies (start_date);

-- An alias is an obsolete NCT ID that ClinicalTrials.gov merged into a study.
CREATE TABLE aliases (
	alias  TEXT PRIMARY KEY,
	nct_id TEXT NOT NULL REFERENCES studies (nct_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX aliases_study ON aliases (nct_id);

-- Keyed by study first, so a study's sites are contiguous and replacing
-- them on update needs no extra index.
CREATE TABLE locations (
	nct_id   TEXT NOT NULL REFERENCES studies (nct_id) ON DELETE CASCADE,
	ordinal  INTEGER NOT NULL,
	facility TEXT NOT NULL,
	status   TEXT NOT NULL,
	city     TEXT NOT NULL,
	state    TEXT NOT NULL,
	zip      TEXT NOT NULL,
	country  TEXT NOT NULL,
	lat      REAL,
	lon      REAL,
	PRIMARY KEY (nct_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX locations_place ON locations (country, state, city);
CREATE INDEX locations_geo ON locations (lat, lon) WHERE lat IS NOT NULL;

CREATE TABLE conditions (
	nct_id    TEXT NOT NULL REFERENCES studies (nct_id) ON DELETE CASCADE,
	condition TEXT NOT NULL,
	PRIMARY KEY (nct_id, condition)
) WITHOUT ROWID;

-- Facts about the store as a whole, e.g. when the last ingest finished.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
