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
TRAINER = "trainer"
ADMINISTRATOR = "administrator"

LABELS = {
    OPERATOR: _("Operator"),
    SUPERVISOR: _("Supervisor"),
    ANALYST: _("Analyst"),
    CONTENT_EDITOR: _("Content editor"),
    TRAINER: _("Awareness trainer"),
    ADMINISTRATOR: _("Administrator"),
}

_OPERATOR_PERMS = [
    "cases.view_case",
    "cases.work_case",
    "reports.view_report",
    "reports.enter_report",
    "conversations.view_message",
    "knowledge.edit_article",
]
_SUPERVISOR_PERMS = _OPERATOR_PERMS + [
    "cases.assign_case",
    "cases.view_restricted",
    "audit.view_auditentry",
    "triage.view_agreement",
    "triage.add_lexiconphrase",
    "triage.change_lexiconphrase",
    "triage.view_lexiconphrase",
    "hashes.view_hashbank",
    "hashes.add_hashbank",
    "hashes.change_hashbank",
    "hashes.bank_attachment",
    "links.view_knownlink",
    "links.add_knownlink",
    "links.delete_knownlink",
    "conversations.add_cannedreply",
    "conversations.change_cannedreply",
]
# Trainers run awareness sessions and see nothing of cases: a trainer visiting schools
# need not be someone who may read children's reports.
_TRAINER_PERMS = ["awareness.run_session"]
PERMISSIONS: dict[str, list[str]] = {
    OPERATOR: _OPERATOR_PERMS,
    SUPERVISOR: _SUPERVISOR_PERMS,
    ANALYST: ["cases.view_statistics"],
    CONTENT_EDITOR: ["reference.change_harmcategory", "knowledge.edit_article", "knowledge.publish_article"],
    TRAINER: _TRAINER_PERMS,
    ADMINISTRATOR: _SUPERVISOR_PERMS
    + [
        "awareness.run_session",
        "awareness.manage_all_sessions",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "partner_api.add_partnertoken",
        "partner_api.change_partnertoken",
        "partner_api.view_partnertoken",
        "reference.change_harmcategory",
        "reference.change_region",
        "reference.add_region",
        "referrals.add_partnerorganisation",
        "referrals.change_partnerorganisation",
        "referrals.view_partnerorganisation",
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
