"""Staff roles, as Django groups with permissions.

``sync_roles()`` makes the groups match this table; it runs at every start, so a release
that changes a role's permissions applies itself.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

OPERATOR = "operator"
SUPERVISOR = "supervisor"
ANALYST = "analyst"
CONTENT_EDITOR = "content_editor"
ADMINISTRATOR = "administrator"

LABELS = {
    OPERATOR: _("Operator"),
    SUPERVISOR: _("Supervisor"),
    ANALYST: _("Analyst"),
    CONTENT_EDITOR: _("Content editor"),
    ADMINISTRATOR: _("Administrator"),
}

_OPERATOR_PERMS = [
    "cases.view_case",
    "cases.work_case",
    "reports.view_report",
    "reports.enter_report",
    "conversations.view_message",
]
_SUPERVISOR_PERMS = _OPERATOR_PERMS + [
    "cases.assign_case",
    "cases.view_restricted",
    "audit.view_auditentry",
]
PERMISSIONS: dict[str, list[str]] = {
    OPERATOR: _OPERATOR_PERMS,
    SUPERVISOR: _SUPERVISOR_PERMS,
    ANALYST: ["cases.view_statistics"],
    CONTENT_EDITOR: ["reference.change_harmcategory"],
    ADMINISTRATOR: _SUPERVISOR_PERMS
    + [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "partner_api.add_partnertoken",
        "partner_api.change_partnertoken",
        "partner_api.view_partnertoken",
        "reference.change_harmcategory",
        "reference.change_region",
        "reference.add_region",
    ],
}


def sync_roles() -> None:
    from django.contrib.auth.models import Group, Permission

    for role, perms in PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
