"""One importer for every kind of the bureau's spreadsheets (CLI now, the upload page later)."""

from seed.importer.core import Finding, ImportReport, import_files, import_paths
from seed.importer.reader import FileRejected
from seed.importer.writer import UndoRefused, UnknownBatch, undo_batch

__all__ = ["FileRejected", "Finding", "ImportReport", "UndoRefused", "UnknownBatch", "import_files", "import_paths",
           "undo_batch"]
