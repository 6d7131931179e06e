"""Services and their guides (办事指南), as the kiosk and the consoles list them."""

from __future__ import annotations

from pydantic import Field

from queue_server.contract.base import Line, Model, Text
from queue_server.contract.vocabulary import CaseType, ServiceCategory


class Material(Model):
    """One item of the materials checklist (申请材料)."""

    name: Line
    originals: int = Field(default=0, le=100)
    copies: int = Field(default=0, le=100)
    note: Line = ""


class Step(Model):
    """One step of the procedure (办理流程) with its time limit."""

    name: Line
    time_limit: Line = ""


class Guide(Model):
    """The service guide (办事指南) a kiosk shows and a ticket summarises."""

    conditions: list[Line] = Field(default=[], max_length=100)
    materials: list[Material] = Field(default=[], max_length=200)
    steps: list[Step] = Field(default=[], max_length=100)
    legal_limit_days: int = 0
    promised_limit_days: int = 0
    fee: Line = "不收费"
    fee_basis: Text = ""
    legal_basis: list[Line] = Field(default=[], max_length=100)
    quantity_limit: Line = ""
    result_document: Line = ""
    sample_forms: list[Line] = Field(default=[], max_length=100)
    location: Line = ""
    hours: Line = ""
    consult_phone: Line = ""
    complaint_phone: Line = ""
    visits_needed: int = 1


class ServiceSummary(Model):
    """A service item as lists show it, with its live queue."""

    code: str
    name: str
    name_en: str = ""
    prefix: str
    department: str
    department_name: str = ""
    theme: str = ""
    category: ServiceCategory
    case_type: CaseType
    daily_cap: int | None = None
    priority_allowed: bool = True
    keywords: list[str] = []
    waiting: int = 0
    estimated_wait_seconds: int | None = None
    windows_open: int = 0


class ServiceDetail(ServiceSummary):
    """A service item with its full guide."""

    guide: Guide
