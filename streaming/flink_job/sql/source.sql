-- Transaction events, one JSON object per line (columns derived from puntored/contract).
-- The watermark bounds out-of-orderness; events behind it are routed to the late records.
CREATE TEMPORARY TABLE transaction_events (
${columns},
  `proc_time` AS PROCTIME(),
  WATERMARK FOR `event_at` AS `event_at` - INTERVAL '${watermark_delay_seconds}' SECOND
) WITH (
${options}
)
