-- Journeys triggered by feedback and the SEND_SURVEY action
-- (services/loyalty/README.md, "Journeys"). A run keeps the order or ticket
-- its trigger event was about (the subject a survey invitation is for) and
-- the invitation feedback created for it.
ALTER TABLE journey_runs
  ADD COLUMN IF NOT EXISTS trigger_subject VARCHAR(255) CHARACTER SET ascii
    COLLATE ascii_bin NULL,
  ADD COLUMN IF NOT EXISTS survey_invitation VARCHAR(255) CHARACTER SET ascii
    COLLATE ascii_bin NULL;
