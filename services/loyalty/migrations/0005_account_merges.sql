-- Merges (member_lifecycle.h): an account merged into another keeps its rows
-- and history and points at the survivor; events that still name it are
-- applied to the survivor, and its entries count towards the survivor's
-- tier qualification.
ALTER TABLE accounts
  ADD COLUMN IF NOT EXISTS merged_into VARCHAR(64) CHARACTER SET ascii
    COLLATE ascii_bin NULL,
  ADD COLUMN IF NOT EXISTS merge_time DATETIME(6) NULL,
  ADD KEY IF NOT EXISTS accounts_by_merged_into (merged_into);
