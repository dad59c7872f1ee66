"""The stream processor: window results from Flink -> realtime tables and alerts.

Runs as a local loop over the Flink sink's committed files, and as an AWS Lambda handler for
Kinesis batches in production; both call ``store.apply_batch``.
"""
