-- Structured eligibility criteria, derived from each study's criteria text
-- after the study is stored (ReparseCriteria). parser_version names the parser that wrote the row:
-- rows of another version are stale and re-derived from the raw record,
-- never trusted. parsed is zstd-compressed, in whatever
-- encoding the parser chose (JSON).
CREATE TABLE criteria (
	nct_id         TEXT PRIMARY KEY REFERENCES studies (nct_id) ON DELETE CASCADE,
	parser_version TEXT NOT NULL,
	parsed         BLOB NOT NULL
);
