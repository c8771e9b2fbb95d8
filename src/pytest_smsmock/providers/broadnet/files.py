"""Real files for the download endpoints: XLS (xlwt), XLSX (openpyxl), PDF (fpdf2), CSV.

Each writer takes a header row and data rows and returns a `Download`: the bytes plus the
Content-Type and the file name a browser would save it under. The files carry the virtual
clock's time as their creation date, so the same run gives the same files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from werkzeug.wrappers import Response

from pytest_smsmock.core.frozen import value_class

__all__ = ["Download", "csv_file", "pdf_file", "xls_file", "xlsx_file"]

Row = Sequence[object]


@value_class
class Download:
    body: bytes
    mimetype: str
    filename: str

    def response(self) -> Response:
        response = Response(self.body, status=200, mimetype=self.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def csv_file(name: str, header: Row, rows: Sequence[Row]) -> Download:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(v) for v in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return Download(
        body=out.getvalue().encode("utf-8"), mimetype="text/csv", filename=f"{name}.csv"
    )


def xls_file(name: str, sheet: str, header: Row, rows: Sequence[Row]) -> Download:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    page = book.add_sheet(sheet[:31])
    bold = xlwt.easyxf("font: bold on")
    for col, value in enumerate(header):
        page.write(0, col, _cell(value), bold)
    for number, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            page.write(number, col, _cell(value))
    out = io.BytesIO()
    book.save(out)
    return Download(
        body=out.getvalue(), mimetype="application/vnd.ms-excel", filename=f"{name}.xls"
    )


def xlsx_file(name: str, sheet: str, header: Row, rows: Sequence[Row], at: datetime) -> Download:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    page = book.active
    page.title = sheet[:31]
    page.append([_cell(v) for v in header])
    for cell in page[1]:
        cell.font = Font(bold=True)
    for row in rows:
        page.append([_cell(v) for v in row])
    stamp = at.replace(tzinfo=None, microsecond=0)
    book.properties.created = stamp
    book.properties.modified = stamp
    out = io.BytesIO()
    book.save(out)
    return Download(
        body=out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{name}.xlsx",
    )


def _latin1(value: object) -> str:
    # The PDF core fonts speak Latin-1 only; anything else is shown as "?".
    return _cell(value).encode("latin-1", "replace").decode("latin-1")


def pdf_file(name: str, title: str, header: Row, rows: Sequence[Row], at: datetime) -> Download:
    from fpdf import FPDF

    document = FPDF(orientation="landscape", format="A4")
    document.set_creation_date(at.replace(microsecond=0))
    document.set_title(title)
    document.set_creator("Advance Messaging Systems")
    document.add_page()
    document.set_font("Helvetica", style="B", size=14)
    document.cell(text=_latin1(title), new_x="LMARGIN", new_y="NEXT")
    document.ln(4)
    document.set_font("Helvetica", size=9)
    with document.table() as table:
        table.row([_latin1(v) for v in header])
        for data in rows:
            table.row([_latin1(v) for v in data])
    return Download(
        body=bytes(document.output()), mimetype="application/pdf", filename=f"{name}.pdf"
    )
