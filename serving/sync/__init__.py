"""The marts → serving database sync (``puntored sync``)."""

from serving.sync.run import MartSyncResult, SyncProgress, SyncResult, run_sync

__all__ = ["MartSyncResult", "SyncProgress", "SyncResult", "run_sync"]
