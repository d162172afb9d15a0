from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

AgeGroupCode = Literal["under_8", "8_12", "13_17", "adult", "unknown"]
StatusCode = Literal["new", "open", "closed"]


class ReportIn(Schema):
    narrative: str = Field(description="What happened, in the reporter's words (at most 20,000 characters).")
    language: str = Field(description="Language of the narrative: en, ru, az or uz.", examples=["az"])
    harm: str | None = Field(None, description="Harm code from the taxonomy, if the reporter chose one.")
    age_group: AgeGroupCode = "unknown"
    region: str | None = Field(None, description="Region code, e.g. AZ-BA or UZ-TK.")
    links: list[str] = Field(default_factory=list, description="Links the report is about.")
    contact: str | None = Field(None, description="How to reach the reporter, if they agreed.")
    needs_help_now: bool = False
    partner_reference: str = Field("", max_length=100, description="Your own identifier for this report.")


class ReportCreated(Schema):
    code: str = Field(description="The case code. Give it to the reporter; it is shown only this once.")
    status: StatusCode
    received_at: datetime


class ReportStatus(Schema):
    status: StatusCode
    status_text: str
    urgency: str
    outcome: str
    received_at: datetime
    updated_at: datetime


class Error(Schema):
    message: str
    field: str | None = None
