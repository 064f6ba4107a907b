"""The sizes no monthly report reaches, and the refusal a guard raises when a file passes one.

A real unit's report is a few hundred rows; an organisation-wide ledger of 100,000 staff is
100,000 rows of 7 columns (a 2.4 MB .xlsx, 30 MB of sheet XML, 5 MB as CSV). The limits sit far
above that and far below what exhausts the server: each is checked on the raw bytes or the
package's XML before a parser builds anything, so a hostile file costs a scan, not gigabytes.
Guards read these as ``limits.NAME`` at call time, so a test can lower one.
"""

from __future__ import annotations

from typing import Any

# Zip packages (.xlsx/.xlsm/.xlsb/.ods): a real workbook's XML deflates 5-20x.
UNZIP_RATIO_LIMIT = 100  # unpacked / packed over the whole archive ...
UNZIP_RATIO_FLOOR = 16 * 1048576  # ... once it unpacks to more than this
UNZIP_PER_UPLOAD = 20  # and never more than 20x the upload limit (50 MB → 1,000 MB)
# Rows x columns of the dense grid a reader builds for one sheet (1,000,000 rows x 50 columns);
# a cell at XFD1048576 alone would make calamine build billions.
MAX_SHEET_CELLS = 50_000_000
# Text the workbook's cells expand to: every cell that points to a shared string gets its own
# copy (calamine, then Python), so one 1 MiB string behind 1,500 cells is 1.5 GB. A 100,000-row
# ledger expands to about 4 MB.
MAX_TEXT_BYTES = 100 * 1048576
# Rows of one upload, all sheets together: twice a 100,000-staff organisation's monthly ledger.
MAX_ROWS = 200_000
# CSV: columns of one line, characters of one cell (Excel's own limit for a cell), and the length
# of a physical line past which the line is looked at before the CSV parser splits it.
MAX_COLUMNS = 1_000
MAX_CELL_CHARS = 32_767
LONG_LINE_CHARS = 100_000
# Cells of the rectangle a CSV becomes (every row padded to the widest one).
MAX_CSV_CELLS = 10_000_000
# Uncached formula cells remembered per sheet (the first ones are enough to name in messages).
MAX_FORMULA_CELLS = 10_000
# Sheet XML is scanned in pieces of this size, so a 1 GB sheet is never held whole.
SCAN_CHUNK = 16 * 1048576


class Refused(Exception):
    """A file (or one part of it) that must not be parsed: ``code`` is a Problem code, ``params``
    fill its message, ``row``/``sheet``/``column_letter`` say where when it is known."""

    def __init__(
        self,
        code: str,
        params: dict[str, Any] | None = None,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column_letter: str | None = None,
    ):
        super().__init__(code)
        self.code = code
        self.params = params or {}
        self.sheet = sheet
        self.row = row
        self.column_letter = column_letter
