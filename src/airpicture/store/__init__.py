"""Persistence: the embedded workspace (DuckDB + hive-partitioned Parquet). May import model."""

from airpicture.store.workspace import Workspace, WorkspaceInfo

__all__ = ["Workspace", "WorkspaceInfo"]
