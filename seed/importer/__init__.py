"""One importer for every kind of the bureau's spreadsheets (the command line and the 数据导入 page)."""

from db.changes import UndoRefused, UnknownBatch, undo_batch
from seed.importer.core import import_files, import_paths
from seed.importer.reader import FileRejected
from seed.importer.report import Change, Finding, ImportResult

__all__ = ["Change", "FileRejected", "Finding", "ImportResult", "UndoRefused", "UnknownBatch", "import_files",
           "import_paths", "undo_batch"]
