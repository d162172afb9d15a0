"""How many reports each case holds, for lists of cases (the queue shows folded cases' size)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from himoya.reports.models import Report


def with_report_count(cases: QuerySet) -> QuerySet:
    """``cases`` with ``report_count`` on each row.

    A correlated subquery rather than ``Count("reports")``: the queue reads one page of
    cases in index order, and a subquery is computed only for the rows it returns, where a
    join with GROUP BY would first count the reports of every open case.
    """
    per_case = Report.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(n=Count("id")).values("n")
    return cases.annotate(report_count=Coalesce(Subquery(per_case, output_field=IntegerField()), 0))
