"""Partitions of files: `<dataset_dir>/<dataset>/biz_date=YYYY-MM-DD/<files>`.

The listing is written once, over a small file-system interface: the local one here,
Hadoop's FileSystem in the Spark engine (so HDFS and S3 paths list the same way).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Protocol

from recon.errors import InputError
from recon.sources import SourceFile

# What a partition's files may be, by the end of their name (any case); gzip-compressed
# CSV is read as it streams. Anything else, other than hidden (.) and marker (_) files,
# is an input error: a file is never skipped in silence.
FILE_FORMATS = {".parquet": "parquet", ".csv": "csv", ".csv.gz": "csv"}


class FileSystem(Protocol):
    def is_dir(self, path: Path) -> bool: ...

    def files(self, path: Path) -> Iterable[tuple[str, int, int]]:
        """(name, size, mtime_ns) of each file directly in the directory `path`."""
        ...


class LocalFileSystem:
    def is_dir(self, path: Path) -> bool:
        """Whether `path` is a directory; InputError when it cannot be looked at (a
        parent without permission), so that is never taken for "missing"."""
        try:
            return stat.S_ISDIR(os.stat(path).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise InputError(f"cannot open: {exc.strerror or exc}", str(path)) from None

    def files(self, path: Path) -> Iterable[tuple[str, int, int]]:
        try:
            for entry in Path(path).iterdir():
                if entry.is_file():
                    stat = entry.stat()
                    yield entry.name, stat.st_size, stat.st_mtime_ns
        except OSError as exc:
            raise InputError(f"cannot list the partition: {exc.strerror or exc}",
                             str(exc.filename or path)) from None


def partition_dir(dataset_dir: Path, dataset: str, biz_date: date) -> Path:
    return Path(dataset_dir) / dataset / f"biz_date={biz_date.isoformat()}"


def partition_files(dataset_dir: Path, dataset: str, biz_date: date, system: str,
                    fs: FileSystem | None = None) -> tuple[SourceFile, ...]:
    """The readable files of one partition, in name order. Raises InputError when the
    dataset or partition is missing or holds no .parquet / .csv file."""
    fs = fs or LocalFileSystem()
    if not fs.is_dir(Path(dataset_dir)):
        raise InputError(f"{system} dataset directory not found", str(dataset_dir))
    part = partition_dir(dataset_dir, dataset, biz_date)
    if not fs.is_dir(part):
        raise missing_partition(system, dataset, biz_date, str(part))
    found = (source_file(part / name, size, mtime) for name, size, mtime in fs.files(part))
    files = sorted((f for f in found if f is not None), key=lambda f: f.path.name)
    if not files:
        raise InputError(f"{system} {dataset} partition holds no .parquet, .csv or .csv.gz "
                         f"file", str(part))
    return tuple(files)


def source_file(path: Path, size: int, mtime_ns: int) -> SourceFile | None:
    """The input file at `path`, or None for a hidden (.) or marker (_SUCCESS) file.
    InputError for a file of another kind."""
    if path.name.startswith((".", "_")):
        return None
    name = path.name.lower()
    for suffix, fmt in sorted(FILE_FORMATS.items(), key=lambda s: -len(s[0])):
        if name.endswith(suffix):
            return SourceFile(path, fmt, size, mtime_ns)
    raise InputError("not a data file: a partition holds .parquet, .csv and .csv.gz files "
                     "(and hidden or _ files, which are passed over)", str(path))


def missing_partition(system: str, dataset: str, biz_date: date, where: str) -> InputError:
    return InputError(f"missing {dataset} partition for {system} on {biz_date.isoformat()}",
                      where)
