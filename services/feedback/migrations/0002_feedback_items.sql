-- Feedback items complete: anonymous items (customer_id ''), attachments,
-- the detected language, and the text analysis (serialized
-- crm.feedback.v1.TextAnalysis, with its sentiment and category in columns
-- for filtering; NULL when the text was not analysed). Channel and type
-- compare by bytes, as the filter language does.
ALTER TABLE feedback
  MODIFY channel VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  MODIFY type VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ADD COLUMN attachment_uris TEXT CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN language VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin
    NOT NULL DEFAULT 'LANGUAGE_UNSPECIFIED',
  ADD COLUMN sentiment VARCHAR(24) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN sentiment_score DOUBLE NULL,
  ADD COLUMN category VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN analysis MEDIUMBLOB NULL,
  ADD KEY feedback_by_category_create_time (category, create_time, id);
