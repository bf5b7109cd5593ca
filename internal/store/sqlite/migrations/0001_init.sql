-- Studies keep the verbatim v2 record (zstd) plus the columns that stats
-- and maintenance queries read without decoding it. Dates are "YYYY-MM-DD"
-- (partial dates padded) so they sort as text; '' when unknown. raw comes
-- last: SQLite moves the tail of a long row to overflow pages, so scans of
-- the other columns do not read through the compressed record.
CREATE TABLE studies (
	nct_id                  TEXT PRIMARY KEY,
	last_update_posted      TEXT NOT NULL,
	content_hash            BLOB NOT NULL,
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
	org_study_id            TEXT NOT NULL,
	countries               TEXT NOT NULL, -- distinct site countries, '|'-separated
	raw                     BLOB NOT NULL
);
CREATE INDEX studies_status ON studies (overall_status);
CREATE INDEX studies_type ON studies (study_type);
CREATE INDEX studies_updated ON studies (last_update_posted);

-- An alias is an obsolete NCT ID that ClinicalTrials.gov merged into a study.
CREATE TABLE aliases (
	alias  TEXT PRIMARY KEY,
	nct_id TEXT NOT NULL REFERENCES studies (nct_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX aliases_study ON aliases (nct_id);

-- Sites and conditions have no tables of their own: search, facets and
-- browsing by location work from the in-memory index built from the raw
-- records, so rows here would only slow ingest down (a full corpus has over
-- ten million sites).

-- Facts about the store as a whole, e.g. when the last ingest finished.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
