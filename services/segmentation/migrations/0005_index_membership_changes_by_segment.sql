-- A segment's membership history by time (GetSegmentSizeHistory): the net
-- entries per day of one segment over a range of days are read from this
-- index alone (kind included), never from the whole history.
ALTER TABLE segment_membership_changes
  ADD INDEX IF NOT EXISTS segment_membership_changes_by_segment
    (segment_id, change_time, kind);
