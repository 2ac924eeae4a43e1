-- GetJourneyFunnel (journey_funnel_manager.h): a journey's runs counted by
-- state and skip reason with their distinct members. The key covers the
-- aggregate, so it reads only the journey's index entries in group order;
-- through `journey_runs_by_journey` every run needs a row lookup and, for a
-- journey holding much of the table, the optimiser scans the whole table.
ALTER TABLE journey_runs
  ADD INDEX IF NOT EXISTS journey_runs_funnel
    (journey_id, state, skip_reason, customer_id);
