-- Customers: one row per person. `id` is the customer id every other service
-- refers to, and the shard key when the database is split by customer.
--
-- Personal data (names, email, phone, birth date, street address, external
-- identities) is never stored in plaintext: it is one AES-256-GCM blob
-- (`pii`, a serialized Customer holding only those fields) under the
-- customer's own data key, stored only wrapped by the master key
-- (`wrapped_key`). Erasure deletes `wrapped_key` and `pii` (crypto-shredding).
-- `profile` is the serialized Customer of the non-personal fields (locale,
-- gender, country, tags, attributes, consents, source channel).
-- Equality lookups use HMAC-SHA256 blind indexes (`*_bidx`, hex), never the
-- values themselves.
CREATE TABLE IF NOT EXISTS customers (
  id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii NOT NULL,
  merged_into VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  wrapped_key VARBINARY(128) NULL,
  pii MEDIUMBLOB NULL,
  profile MEDIUMBLOB NOT NULL,
  email_bidx CHAR(64) CHARACTER SET ascii NULL,
  phone_bidx CHAR(64) CHARACTER SET ascii NULL,
  name_birth_bidx CHAR(64) CHARACTER SET ascii NULL,
  country_code CHAR(2) CHARACTER SET ascii NOT NULL DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY customers_by_create_time (create_time, id),
  KEY customers_by_update_time (update_time, id),
  KEY customers_by_email (email_bidx),
  KEY customers_by_phone (phone_bidx),
  KEY customers_by_name_birth (name_birth_bidx),
  KEY customers_by_merged_into (merged_into)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
