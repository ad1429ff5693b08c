"""The files operators open in Excel: text stays text (never a formula), Chinese survives, long
texts fit Excel's cell limit."""

import csv
import datetime as dt
import io

import openpyxl

from models.spreadsheets import CELL_MAX, CUT, Sheet, csv_bytes, xlsx


def test_csv_has_a_bom_and_no_formulas():
    rows = [["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "正常", 5, -5, None, dt.datetime(2026, 1, 1, 16, tzinfo=dt.UTC)]]
    data = csv_bytes(["甲", "乙"], rows)
    assert data.startswith("\ufeff".encode())
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == ["甲", "乙"]
    assert row == ["'=1+1", "'+86", "'-3", "'@SUM(A1)", "'\tx", "正常", "5", "-5", "", "2026-01-02 00:00:00"]


def test_xlsx_keeps_text_as_text_and_numbers_as_numbers():
    data = xlsx([Sheet("表", ["名称", "数", "率"], [["=HYPERLINK(\"http://x\")", 3, 0.5], ["长" * (CELL_MAX + 10), None, None]],
                       percent=frozenset({2}), notes=["说明"])])
    sheet = openpyxl.load_workbook(io.BytesIO(data))["表"]
    cell = sheet["A2"]
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")"  # a string, not a formula
    assert sheet["B2"].value == 3 and sheet["C2"].value == 0.5 and sheet["C2"].number_format == "0.00%"
    assert len(sheet["A3"].value) == CELL_MAX and sheet["A3"].value.endswith(CUT)
    assert sheet["A5"].value == "说明"
