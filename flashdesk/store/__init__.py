"""SQLite storage: the schema, its migrations and every SQL statement of the
project. Nothing above this package writes SQL."""

from .database import NotACollectionError, StorageError, open_database, transaction

__all__ = ["open_database", "NotACollectionError", "StorageError", "transaction"]
