-- An event is late when its 1-minute window has already fired: window_end - 1 ms is at or
-- behind the watermark (the same test the window operator uses to drop a record). Computing it
-- upstream of the window and splitting on it means every unique event is counted exactly once:
-- in its window, or as a late event.
CREATE TEMPORARY VIEW classified_events AS
select
  *,
  coalesce(
    floor(`event_time` to minute) + interval '1' minute - interval '0.001' second
      <= current_watermark(`event_time`),
    false
  ) as is_late
from unique_events
