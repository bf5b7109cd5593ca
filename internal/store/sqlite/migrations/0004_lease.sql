-- Leases name work that exactly one process may do at a time (the sync of a
-- store shared by several nodes). A lease whose expires is past is free:
-- a holder that dies loses it without anyone releasing it. expires is in
-- seconds since 1970 by the database's clock, never a node's.
CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	holder  TEXT NOT NULL,
	expires REAL NOT NULL
) WITHOUT ROWID;
