-- The birthday blind index (customer_pii_codec.h): HMAC-SHA256 of the birth
-- date's "MM-DD" under its own derived key, for `birthday = "MM-DD"` in
-- ListCustomers (loyalty's BIRTHDAY journeys). '' = no birthday (no birth
-- date, or erased or merged away); NULL = not computed yet: rows stored
-- before this migration, filled by BirthdayIndexBackfill at start-up
-- (birthday_index_backfill.h) or by their next write.
ALTER TABLE customers
  ADD COLUMN IF NOT EXISTS birthday_bidx CHAR(64) CHARACTER SET ascii NULL,
  ADD INDEX IF NOT EXISTS customers_by_birthday (birthday_bidx);
