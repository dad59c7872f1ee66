"""The marts → serving database sync (``puntored sync``)."""

from puntored.serving.sync.run import MartSyncResult, SyncProgress, SyncResult, run_sync

__all__ = ["MartSyncResult", "SyncProgress", "SyncResult", "run_sync"]
