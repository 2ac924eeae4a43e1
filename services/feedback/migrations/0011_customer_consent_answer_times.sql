-- Consents: when the customer gave each answer, as customer-profile's feed
-- says (NULL when it does not), the same columns as every service's copy of
-- the consents (services/consents/mysql_consent_repository.h). Rows stored
-- before this migration stay NULL until the customer's next feed event.
ALTER TABLE customer_consents
  ADD COLUMN IF NOT EXISTS answer_time DATETIME(6) NULL AFTER status;
