"""Tables as files operators open in Excel: .xlsx through XlsxWriter, and CSV.

Both are synchronous CPU work: callers run them in an executor, never on the event loop.
Text from outside (a username, a comment) must never become a formula: XlsxWriter's `write()`
would take "=..." as one, so strings go through `write_string`; in CSV, whose cells Excel
evaluates, a cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe
(OWASP's CSV injection advice)."""

import csv
import dataclasses
import datetime as dt
import io

import xlsxwriter

from models.clock import BEIJING

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CELL_MAX = 32767  # characters Excel holds in a cell; the CSV export keeps a longer text whole
CUT = "…（超出 Excel 单元格长度，完整内容见 CSV 导出）"


@dataclasses.dataclass
class Sheet:
    title: str  # at most 31 characters, Excel's limit
    headers: list[str]
    rows: list[list]
    percent: frozenset[int] = frozenset()  # columns holding rates 0..1, shown as percentages
    notes: list[str] = dataclasses.field(default_factory=list)  # lines under the table


def _cell_text(value) -> str | int | float | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def xlsx(sheets: list[Sheet]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    percent = book.add_format({"num_format": "0.00%"})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.title[:31])
        widths = [max(8, len(h) * 2 + 2) for h in sheet.headers]
        for col, header in enumerate(sheet.headers):
            ws.write_string(0, col, header, bold)
        for r, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                value = _cell_text(value)
                if value is None:
                    ws.write_blank(r, col, None)
                elif isinstance(value, bool):
                    ws.write_string(r, col, "是" if value else "否")
                elif isinstance(value, int | float):
                    ws.write_number(r, col, value, percent if col in sheet.percent else None)
                else:
                    text = str(value)
                    ws.write_string(r, col, text if len(text) <= CELL_MAX else text[:CELL_MAX - len(CUT)] + CUT)
                    widths[col] = min(60, max(widths[col], len(text) + 2))
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        for i, note in enumerate(sheet.notes):
            ws.write_string(len(sheet.rows) + 2 + i, 0, note)
    book.close()
    return out.getvalue()


def _csv_cell(value) -> str:
    value = _cell_text(value)
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a BOM: without it Excel reads the file in the system code page and garbles Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in headers])
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()
