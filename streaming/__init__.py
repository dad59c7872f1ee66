"""Realtime pipeline: Flink SQL windows and the stream processor."""
