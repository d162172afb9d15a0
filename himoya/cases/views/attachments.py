"""Pictures sent with reports, shown only to staff who may work the case.

Only re-encoded stills are ever served: a thumbnail by default, a larger copy on request,
never the file as uploaded (no metadata, no animation). A picture quarantined because it
matched a never-show hash list is refused to everyone, whatever their role.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from himoya.accounts.decorators import staff_required
from himoya.cases import actions
from himoya.cases.access import can_work, get_case_for_user
from himoya.hashes.models import ImageHash
from himoya.reports.models import Attachment
from himoya.triage.engine.images import still

THUMBNAIL_EDGE = 480
LARGE_EDGE = 1600
SIZES = {"thumbnail": THUMBNAIL_EDGE, "large": LARGE_EDGE}


@staff_required("cases.view_case")
def attachment(request, pk: int):
    """A still of the picture, to staff who may work the case. Each view is audited."""
    row = Attachment.objects.select_related("report").defer("data").filter(pk=pk).first()
    if row is None:
        return HttpResponse(status=404)
    case = get_case_for_user(request.user, row.report.case_id)
    if not can_work(request.user, case):
        raise PermissionDenied
    if ImageHash.objects.filter(attachment=row, quarantined=True).exists():
        return HttpResponse(status=410)
    size = request.GET.get("size", "thumbnail")
    if size not in SIZES:
        return HttpResponse(status=404)
    data = Attachment.objects.filter(pk=row.pk).values_list("data", flat=True).first()
    if data is None:
        return HttpResponse(status=404)
    body, content_type = still(data, SIZES[size])
    actions.view_attachment(case, request.user, row)
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = "inline"
    return response
