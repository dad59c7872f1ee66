"""The storage layer: one API for local paths and ``s3://`` URIs (see docs/aws.md).

    storage = Storage.from_settings(settings)
    for entry in storage.list_files(join(settings.landing_location, "transactions"), ".gz"):
        with storage.open_read(entry.location) as stream: ...
    storage.write_json(join(settings.state_location, "land_bookmark.json"), bookmark)

Every file operation outside Spark and dbt goes through it.
"""

from puntored.aws import AwsConfig
from puntored.storage.base import FileEntry, StorageError, StorageNotFound
from puntored.storage.conditional import ConditionalObjects, Versioned
from puntored.storage.files import Storage
from puntored.storage.locations import (
    Location,
    as_location,
    is_s3,
    join,
    name_of,
    relative_to,
    split_s3,
)

__all__ = [
    "AwsConfig",
    "ConditionalObjects",
    "FileEntry",
    "Location",
    "Storage",
    "StorageError",
    "StorageNotFound",
    "Versioned",
    "as_location",
    "is_s3",
    "join",
    "name_of",
    "relative_to",
    "split_s3",
]
