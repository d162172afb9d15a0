from django.shortcuts import render

from himoya.accounts.decorators import staff_required
from himoya.reference.models import HarmCategory
from himoya.triage.actions import agreement_by_harm


@staff_required("triage.view_agreement")
def agreement(request):
    """Per harm, how often operators kept the label triage gave (last 90 days)."""
    names = {harm.code: harm.name() for harm in HarmCategory.objects.all()}
    rows = agreement_by_harm()
    for row in rows:
        row["name"] = names.get(row["harm"], row["harm"])
        row["percent"] = round(row["rate"] * 100)
    return render(request, "triage/agreement.html", {"rows": rows})
