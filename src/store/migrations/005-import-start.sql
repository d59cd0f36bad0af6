-- Schema version 5: the --start an import was given (unix ms; NULL: none, or a format that holds
-- its own times). It is part of the import's identity: the same bytes placed at another start are
-- another import, not a repeat (a psrecord log imported first without --start, then with it).
ALTER TABLE imports ADD COLUMN IF NOT EXISTS start_ts BIGINT;
