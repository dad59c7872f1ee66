-- Re-sent duplicates: keep the first row per transaction_id in arrival (processing-time)
-- order. Only proctime first-row deduplication yields an append-only stream, which the
-- window aggregation needs; state is bounded by table.exec.state.ttl (dedup.ttl.minutes).
CREATE TEMPORARY VIEW unique_events AS
select *
from (
  select
    *,
    row_number() over (partition by `transaction_id` order by `proc_time` asc) as row_num
  from transaction_events
  where ${required_not_null}
)
where row_num = 1
