"""A statistics table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the
Chinese right) or XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io

from .tables import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    return "" if value is None else value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(title) for _, title in table.columns])
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.key[:31]
    sheet.append([str(title) for _, title in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([v if isinstance(v, int | float) or v is None else str(v) for v in row])
    for index, (_, title) in enumerate(table.columns, start=1):
        widest = max([len(str(title))] + [len(str(_cell(r[index - 1]))) for r in table.rows])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(60, widest + 4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {"csv": (to_csv, CSV_TYPE), "xlsx": (to_xlsx, XLSX_TYPE)}
