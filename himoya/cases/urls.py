from django.urls import include, path

from himoya.cases.views import attachments, case, queue, supervisor

app_name = "cases"

urlpatterns = [
    path("", queue.case_list, name="list"),
    path("alerts/", queue.alert_list, name="alerts"),
    path("<int:pk>/take/", queue.claim_from_queue, name="queue_claim"),
    path("shift/", supervisor.shift_view, name="supervisor"),
    path("shift/body/", supervisor.shift_body, name="supervisor_body"),
    path("<int:pk>/assign/", supervisor.assign, name="assign"),
    path("duty/", include("himoya.shifts.urls")),
    path("<int:pk>/", case.case_detail, name="detail"),
    path("<int:pk>/claim/", case.claim, name="claim"),
    path("<int:pk>/release/", case.release, name="release"),
    path("<int:pk>/reopen/", case.reopen, name="reopen"),
    path("<int:pk>/note/", case.note, name="note"),
    path("<int:pk>/close/", case.close, name="close"),
    path("<int:pk>/correct/", case.correct, name="correct"),
    path("<int:pk>/outcome/", case.outcome, name="outcome"),
    path("<int:pk>/merge/", case.merge, name="merge"),
    path("<int:pk>/split/", case.split, name="split"),
    path("<int:pk>/takedown/", case.takedown, name="takedown"),
    path("<int:pk>/refer/", case.refer, name="refer"),
    path("<int:pk>/referrals/<int:referral>/answer/", case.referral_answer, name="referral_answer"),
    path("attachments/<int:pk>/", attachments.attachment, name="attachment"),
]
