CREATE TEMPORARY VIEW on_time_events AS
select * from classified_events where not is_late
