-- The orders of ListSurveys and ListSurveyResponses (create_time DESC,
-- id DESC) read from indexes, never sorted: surveys newest first; every
-- survey's responses; one survey's (replacing (survey_id, create_time),
-- which also serves the scores' day counts); one customer's, so
-- `customer = "customers/{id}"` reads only that customer's newest rows.
ALTER TABLE surveys
  ADD KEY IF NOT EXISTS surveys_by_time (create_time, id);

ALTER TABLE survey_responses
  DROP KEY IF EXISTS survey_responses_by_survey_time,
  ADD KEY IF NOT EXISTS survey_responses_by_time (create_time, id),
  ADD KEY IF NOT EXISTS survey_responses_by_survey (survey_id, create_time, id),
  ADD KEY IF NOT EXISTS survey_responses_by_customer
    (customer_id, create_time, id);
