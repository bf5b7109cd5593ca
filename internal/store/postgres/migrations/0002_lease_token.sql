-- A lease's token fences the writes made under it: every taking of the
-- lease by a holder that did not hold it gets the next token, so a holder
-- that was paused past its expiry and resumes is told apart from the one
-- that took over. A released lease keeps its row (holder '', expired), so
-- the tokens keep counting up.
ALTER TABLE leases ADD COLUMN token bigint NOT NULL DEFAULT 0;
