-- Transaction events, one JSON object per line (columns derived from puntored/contract).
-- The watermark bounds out-of-orderness; events behind it are routed to the late records.
-- event_time is event_at, or the epoch for a row without one (an invalid event, or the feed's
-- marker): a null rowtime would fail the job, and the epoch never moves the watermark.
CREATE TEMPORARY TABLE transaction_events (
${columns},
  `proc_time` AS PROCTIME(),
  `event_time` AS coalesce(`event_at`, TO_TIMESTAMP_LTZ(0, 3)),
  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '${watermark_delay_seconds}' SECOND
) WITH (
${options}
)
