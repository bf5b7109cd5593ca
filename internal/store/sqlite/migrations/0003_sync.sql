-- Keeping current with ClinicalTrials.gov: every version of a record seen,
-- the log of which studies each generation changed, studies removed
-- upstream, and the position of an unfinished sync.

-- versions holds every version of each study the store has seen, numbered
-- from 1. The current version's record is studies.raw, so its raw here is
-- NULL: history costs nothing until a study changes, and an update moves
-- the replaced record here.
CREATE TABLE versions (
	nct_id             TEXT NOT NULL,
	version            INTEGER NOT NULL,
	last_update_posted TEXT NOT NULL,
	seen_at            TEXT NOT NULL, -- RFC 3339, when the store first had it
	raw                BLOB,          -- zstd; NULL for the current version
	PRIMARY KEY (nct_id, version)
);
INSERT INTO versions (nct_id, version, last_update_posted, seen_at)
	SELECT nct_id, 1, last_update_posted,
		coalesce((SELECT value FROM meta WHERE key = 'last_ingest_finished'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
	FROM studies;

-- changes logs, per generation, the studies that generation changed, so
-- readers ask "what changed since generation G" instead of rescanning.
-- kind: inserted, updated, removed, restored.
CREATE TABLE changes (
	generation INTEGER NOT NULL,
	nct_id     TEXT NOT NULL,
	kind       TEXT NOT NULL,
	PRIMARY KEY (generation, nct_id)
) WITHOUT ROWID;

-- A study missing from ClinicalTrials.gov's full listing is kept, with its
-- history, but is no longer live. A table of its own rather than a column
-- of studies: a column added now would come after raw, and reading it
-- would walk every record's overflow pages.
CREATE TABLE removed (
	nct_id     TEXT PRIMARY KEY REFERENCES studies (nct_id) ON DELETE CASCADE,
	removed_on TEXT NOT NULL -- YYYY-MM-DD
) WITHOUT ROWID;

-- live is what search, facets, counts and lists see.
CREATE VIEW live AS SELECT * FROM studies WHERE nct_id NOT IN (SELECT nct_id FROM removed);

-- listing collects the NCT IDs of a full listing in progress, page by
-- page, so an interrupted listing resumes instead of starting over.
CREATE TABLE listing (
	nct_id TEXT PRIMARY KEY
) WITHOUT ROWID;
