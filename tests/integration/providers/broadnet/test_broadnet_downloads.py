"""Coverage (XLS, PDF, CSV) and DLR report (XLSX) downloads, parsed back with their readers."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
import requests
import xlrd
from pypdf import PdfReader

from pytest_smsmock.hub import SmsMock

HEADER = ["Country", "ISO", "Dial Code", "Operator", "MCC", "MNC", "Price"]
CREDS = {"userid": "test", "password": "test"}


@pytest.fixture(params=["plain", "tls"])
def site(request: pytest.FixtureRequest, smsmock: SmsMock) -> tuple[str, Any]:
    if request.param == "plain":
        return smsmock.broadnet.url, True
    return smsmock.broadnet.https_url, smsmock.ca_file


def download(site: tuple[str, Any], path: str, **params: str) -> requests.Response:
    base, verify = site
    return requests.get(base + path, params=params, verify=verify, timeout=10)


def test_coverage_xls_is_the_default(smsmock: SmsMock, site: Any) -> None:
    answer = download(site, "/websmpp/downloadcoverage", **CREDS)
    assert answer.headers["Content-Type"] == "application/vnd.ms-excel"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="coverage_test.xls"'
    book = xlrd.open_workbook(file_contents=answer.content)
    sheet = book.sheet_by_index(0)
    assert sheet.name == "Coverage"
    assert sheet.row_values(0) == HEADER
    rows = [sheet.row_values(i) for i in range(1, sheet.nrows)]
    assert ["Jordan", "JO", "962", "Zain JO", "416", "01", "1.000"] in rows
    assert (
        download(site, "/websmpp/downloadcoverage", **CREDS, format="1").content[:8]
        == (answer.content[:8])
    )


def test_coverage_pdf(smsmock: SmsMock, site: Any) -> None:
    answer = download(site, "/websmpp/downloadcoverage", **CREDS, format="2")
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="coverage_test.pdf"'
    reader = PdfReader(io.BytesIO(answer.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Coverage of test" in text
    assert "Jordan" in text
    assert "Umniah" in text


def test_coverage_csv_narrowed_by_the_account(smsmock: SmsMock, site: Any) -> None:
    smsmock.broadnet.add_account("test", "test", coverage=["971", "966"], price="0.035")
    answer = download(site, "/websmpp/downloadcoverage", **CREDS, format="3")
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="coverage_test.csv"'
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == HEADER
    assert {row[0] for row in rows[1:]} == {"Saudi Arabia", "United Arab Emirates"}
    assert {row[6] for row in rows[1:]} == {"0.035"}


def send(smsmock: SmsMock, sender: str, text: str) -> str:
    params = {
        "user": "test",
        "pass": "test",
        "sid": sender,
        "mno": "962791234567",
        "type": "1",
        "text": text,
    }
    answer = requests.get(smsmock.broadnet.url + "/websmpp/websms", params=params, timeout=10)
    return answer.text.removeprefix("Response: ")


@pytest.mark.smsmock(start="2021-08-21T10:00:00Z")
def test_dlr_report_xlsx_with_filters(smsmock: SmsMock, site: Any) -> None:
    # 10:00 UTC is 13:00 in Amman: inside the document's example window 12:45:45..16:45:45.
    first = send(smsmock, "XYZ", "hello one")
    send(smsmock, "Other", "hello two")
    smsmock.clock.advance("5s")
    smsmock.clock.advance("5h")
    late = send(smsmock, "XYZ", "too late")
    params = {
        "username": "test",
        "pass": "test",
        "from_date": "20210821124545",
        "to_date": "20210821164545",
    }
    answer = download(site, "/websmpp/api/dlrreport", **params, is_content="1", sender="XYZ")
    assert answer.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert answer.headers["Content-Disposition"] == 'attachment; filename="dlr_report.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        [
            "MessageId",
            "Source",
            "Destination",
            "Status",
            "SubmitDate",
            "DoneDate",
            "BatchId",
            "Content",
        ],
        [first, "XYZ", "962791234567", "DELIVRD", "2108211300", "2108211300", None, "hello one"],
    ]
    assert late not in str(rows)
    everyone = download(site, "/websmpp/api/dlrreport", **params)
    sheet = openpyxl.load_workbook(io.BytesIO(everyone.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["XYZ", "Other"]
    assert sheet.max_column == 7


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from_date": "20210821124545", "to_date": "20210821164545"}, "HTTP25"),
        ({"from_date": "2021-08-21", "to_date": "20210821164545"}, "HTTP16"),
        ({"from_date": "20210821164545", "to_date": "20210821124545"}, "HTTP16"),
        ({"from_date": "20210821124545"}, "HTTP02"),
        ({"from_date": "1", "to_date": "2", "is_content": "yes"}, "HTTP16"),
    ],
)
def test_dlr_report_refusals(
    smsmock: SmsMock, site: Any, params: dict[str, str], code: str
) -> None:
    answer = download(site, "/websmpp/api/dlrreport", username="test", **{"pass": "test"}, **params)
    assert answer.text.startswith(f"ERROR - {code} --> ")
