"""CSV files, counted by the file (docs/interface.md, "Bad input").

A CSV parser alone decides badly what a file holds: DuckDB's reader, given an unclosed
quote on line 4,000 of 5,000, returns 3,999 rows and no reject. So a CSV file is first
read as physical lines, each numbered by its place in the file; every line is a row
read, except the continuation lines of a record whose quoted field spans lines. The
rules, in the order they are applied:

- the header is the first line: UTF-8 (a BOM is dropped), comma-separated; a file with
  no header, in UTF-16, separated by semicolons or tabs, or whose lines end in CR only
  is an input error saying so;
- lines end in LF or CRLF; a file that mixes the two is read line by line as any other,
  but split here, not by the engine's reader (which takes one line end for a file);
- a blank line is not a row;
- a line whose bytes are not UTF-8 is rejected ("not UTF-8");
- a line with an odd number of quote characters opens a quoted field: it is joined
  with the lines up to the next such line if the joined text is one record with the
  header's number of fields, the two end lines do not both have that many fields alone
  (a record spanning lines never has, in whichever column its quoted field is; two
  damaged lines always have) and no line between is a whole record of its own; else it
  is rejected alone ("unclosed quote", or "bad quoting" for a quote inside a field),
  the lines after it read as lines of their own;
- any other line must be fields separated by commas, each plain (no quote) or wholly
  quoted ("" for a quote inside), as many as the header has: else it is rejected
  ("bad quoting", "too many fields", "too few fields").

A file that breaks no rule is parsed by the engine's own CSV reader (fast); otherwise
its records are split here, in SQL, with the same result for the lines that are good.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from recon.errors import InputError

# A line of comma-separated fields, each plain or wholly quoted; and one field.
FIELD = r'"(?:[^"]|"")*"|[^,"]*'
LINE = rf"(?:{FIELD})(?:,(?:{FIELD}))*"
QUOTED = r'"(?:[^"]|"")*"'
# Lines read per record at most when a quoted field spans lines; past it, unclosed.
MAX_RECORD_LINES = 1000
HEAD_BYTES = 1 << 16
CHUNK_BYTES = 64 << 20


def record_regex(width: int) -> str:
    """A physical line (with its line break) that is one good record of `width` fields."""
    field = r'(?:"(?:[^"]|"")*"|[^,"\r\n]*)'
    return f"{field}(?:,{field}){{{width - 1}}}\\r?\\n?"


def line_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[pa.Table]:
    """The file's physical lines, in chunks of about `chunk_bytes`: tables of (n, the
    line's number in the file from 1; line, its bytes with the line break). Lines are
    cut where the bytes are newlines (numpy finds them), not by a parser; memory holds
    one chunk."""
    first = 1
    rest = b""
    with opened(path) as handle:
        while True:
            chunk = handle.read(chunk_bytes)
            data = rest + chunk
            if not chunk:
                if data:
                    yield _lines_table(data, first, final=True)
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            table = _lines_table(data[:cut], first, final=False)
            first += table.num_rows
            yield table


def _lines_table(data: bytes, first: int, *, final: bool) -> pa.Table:
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    if final and offsets[-1] != len(data):
        offsets = np.append(offsets, len(data))
    count = len(offsets) - 1
    lines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pa.table({"n": pa.array(np.arange(first, first + count, dtype=np.int64)),
                     "line": lines})


def compressed(path: Path) -> bool:
    return Path(path).name.lower().endswith(".gz")


def opened(path: Path):
    """The file's bytes, decompressed as they are read when it is gzip (.csv.gz)."""
    return gzip.open(path, "rb") if compressed(path) else open(path, "rb")


def header(path: Path) -> list[str]:
    """The column names of the header line. InputError for a file that has none or is
    not comma-separated UTF-8, naming what it looks like instead."""
    where = str(path)
    try:
        with opened(path) as handle:
            head = handle.read(HEAD_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read csv file: {exc.strerror or exc}", where) from None
    line = head.split(b"\n", 1)[0]
    # UTF-16: a byte-order mark, or a header whose every other byte is NUL (a NUL in a
    # UTF-8 value further on is only a value)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or line.count(b"\x00") * 3 > len(line):
        raise InputError("csv file is UTF-16 encoded: CSV input must be UTF-8", where)
    head = head.removeprefix(b"\xef\xbb\xbf")
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if b"\r" in first:
        raise InputError("csv file's lines end in CR only (old Mac style): CSV input has "
                         "LF or CRLF line ends", where)
    if not first.strip():
        raise InputError("csv file is empty: no header row" if not head.strip() else
                         "csv file starts with a blank line: no header row", where)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("csv header is not UTF-8", where) from None
    try:
        names = next(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise InputError(f"csv header cannot be read: {exc}", where) from None
    if len(names) == 1:
        for sep, label in ((";", "semicolons"), ("\t", "tabs")):
            if sep in text:
                raise InputError(f"csv header is separated by {label}, not commas", where)
    names = [n.strip() for n in names]
    if "" in names:
        raise InputError(f"csv header has no name for column {names.index('') + 1}", where)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"csv header names column '{duplicated[0]}' twice", where)
    return names


def pair_records(odd: Sequence[tuple[int, str]], lines_between: Callable[[int, int], list[str]],
                 width: int) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]]:
    """Settle the lines with an odd number of quotes (line number, text), in file
    order: (records spanning lines as (first, last, text), lines rejected alone as
    (line, reason, text)). `lines_between(a, b)` gives the text of lines a..b.
    """
    spans, unclosed = [], []
    i = 0
    while i < len(odd):
        first, text = odd[i]
        closing = odd[i + 1] if i + 1 < len(odd) else None
        if closing is not None and closing[0] - first < MAX_RECORD_LINES:
            lines = lines_between(first, closing[0])
            joined = "\n".join(lines)
            if (_one_record(joined, width)
                    and not (_complete_alone(lines[0], width)
                             and _complete_alone(lines[-1], width))
                    and not any(_is_record(line, width) for line in lines[1:-1])):
                spans.append((first, closing[0], joined))
                i += 2
                continue
        unclosed.append((first, _odd_reason(text), text))
        i += 1
    return spans, unclosed


def _odd_reason(line: str) -> str:
    """Why a line with an odd number of quotes, left alone, is malformed: a quoted field
    opened and never closed, or a stray quote inside a field."""
    rest = re.sub(QUOTED, "", line)
    opened = rest.find('"')
    return "unclosed quote" if opened == 0 or rest[opened - 1] == "," else "bad quoting"


def _complete_alone(line: str, width: int) -> bool:
    """The line holds the header's number of fields by itself (its odd quote taken as
    text). A record whose quoted field spans lines never has this at both ends (its
    first line holds the fields up to the quote, its last the fields from it: together
    one more than the header's), while two damaged lines (a quote left open, a stray
    quote) each keep their record's fields: two such lines are never one record."""
    return re.sub(QUOTED, "", line).count(",") + 1 >= width


def _is_record(line: str, width: int) -> bool:
    """A whole record on one line: then it is not the inside of another's quoted field."""
    return re.fullmatch(f"(?:{FIELD})(?:,(?:{FIELD})){{{width - 1}}}", line) is not None


def _one_record(text: str, width: int) -> bool:
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error:
        return False
    return len(rows) == 1 and len(rows[0]) == width and _well_quoted(text)


def _well_quoted(text: str) -> bool:
    return re.fullmatch(LINE, text, flags=re.S) is not None


def fields_sql(text: str) -> str:
    """SQL splitting a well-formed record `text` into its fields (still quoted)."""
    return (f"CASE WHEN contains({text}, '\"') "
            f"THEN regexp_extract_all(',' || {text}, ',({FIELD})', 1) "
            f"ELSE string_split({text}, ',') END")


def value_sql(field: str) -> str:
    """SQL of a field's value: unquoted ("" inside a quoted field is one quote), and
    NULL when empty (as the engines' CSV readers give it)."""
    return (f"NULLIF(CASE WHEN starts_with({field}, '\"') "
            f"THEN replace({field}[2:-2], '\"\"', '\"') ELSE {field} END, '')")


def shape_sql(line: str, width: int) -> str:
    """SQL classifying one physical line (not a continuation): NULL when it is a good
    single-line record of `width` fields, else why it is not."""
    plain = f"length({line}) - length(replace({line}, ',', '')) + 1"
    stripped = f"regexp_replace({line}, '{QUOTED}', '', 'g')"
    quoted = f"length({stripped}) - length(replace({stripped}, ',', '')) + 1"
    count = f"CASE WHEN contains({line}, '\"') THEN {quoted} ELSE {plain} END"
    return (f"CASE WHEN NOT regexp_full_match({line}, '{LINE}') THEN 'bad quoting' "
            f"WHEN {count} > {width} THEN 'too many fields (' || ({count}) "
            f"|| ', the header has {width})' "
            f"WHEN {count} < {width} THEN 'too few fields (' || ({count}) "
            f"|| ', the header has {width})' END")
