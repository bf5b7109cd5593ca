-- The schema of internal/store/sqlite's migrations 0001-0004, as one, in
-- PostgreSQL's types; see those files for why each table is as it is.
-- NCT IDs and dates compare as bytes ("C"): the order is the same under
-- any collation for these values, and bytewise comparison is the cheapest.

CREATE TABLE studies (
	nct_id                  text COLLATE "C" PRIMARY KEY,
	last_update_posted      text COLLATE "C" NOT NULL, -- YYYY-MM-DD, '' when unknown
	content_hash            bytea NOT NULL,
	overall_status          text NOT NULL,
	study_type              text NOT NULL,
	phases                  text NOT NULL,  -- space-separated API v2 values
	has_results             boolean NOT NULL,
	sex                     text NOT NULL,
	min_age_days            double precision, -- NULL: no limit
	max_age_days            double precision, -- NULL: no limit
	healthy_volunteers      boolean,          -- NULL: not stated
	start_date              text COLLATE "C" NOT NULL,
	primary_completion_date text COLLATE "C" NOT NULL,
	completion_date         text COLLATE "C" NOT NULL,
	first_posted            text COLLATE "C" NOT NULL,
	enrollment              bigint,           -- NULL: not stated
	lead_sponsor_class      text NOT NULL,
	funder_types            text NOT NULL,    -- space-separated agency classes
	brief_title             text NOT NULL,
	acronym                 text NOT NULL,
	org_study_id            text NOT NULL,
	countries               text NOT NULL,    -- distinct site countries, '|'-separated
	raw                     bytea NOT NULL    -- the verbatim API v2 record, zstd
);
-- raw is compressed already: stored out of line (TOAST) without a second,
-- futile compression, it keeps the rows stats scan small.
ALTER TABLE studies ALTER COLUMN raw SET STORAGE EXTERNAL;
CREATE INDEX studies_status ON studies (overall_status);
CREATE INDEX studies_type ON studies (study_type);
CREATE INDEX studies_updated ON studies (last_update_posted);

CREATE TABLE aliases (
	alias  text COLLATE "C" PRIMARY KEY,
	nct_id text COLLATE "C" NOT NULL REFERENCES studies (nct_id) ON DELETE CASCADE
);
CREATE INDEX aliases_study ON aliases (nct_id);

CREATE TABLE meta (
	key   text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE criteria (
	nct_id         text COLLATE "C" PRIMARY KEY REFERENCES studies (nct_id) ON DELETE CASCADE,
	parser_version text NOT NULL,
	parsed         bytea NOT NULL -- zstd
);
ALTER TABLE criteria ALTER COLUMN parsed SET STORAGE EXTERNAL;

CREATE TABLE versions (
	nct_id             text COLLATE "C" NOT NULL,
	version            integer NOT NULL,
	last_update_posted text COLLATE "C" NOT NULL,
	seen_at            timestamptz NOT NULL,
	raw                bytea, -- zstd; NULL for the current version (studies.raw)
	PRIMARY KEY (nct_id, version)
);
ALTER TABLE versions ALTER COLUMN raw SET STORAGE EXTERNAL;

CREATE TABLE changes (
	generation bigint NOT NULL,
	nct_id     text COLLATE "C" NOT NULL,
	kind       text NOT NULL, -- inserted, updated, removed, restored
	PRIMARY KEY (generation, nct_id)
);

CREATE TABLE removed (
	nct_id     text COLLATE "C" PRIMARY KEY REFERENCES studies (nct_id) ON DELETE CASCADE,
	removed_on text NOT NULL -- YYYY-MM-DD
);

CREATE VIEW live AS
	SELECT * FROM studies s WHERE NOT EXISTS (SELECT 1 FROM removed r WHERE r.nct_id = s.nct_id);

CREATE TABLE listing (
	nct_id text COLLATE "C" PRIMARY KEY
);

-- expires is by the database's clock (now()), never a node's.
CREATE TABLE leases (
	name    text PRIMARY KEY,
	holder  text NOT NULL,
	expires timestamptz NOT NULL
);
