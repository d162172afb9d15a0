"""Writes to articles: versions, the review rule, audit rows and the search index, together."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import PermissionDenied

from himoya.audit.models import Action, AuditEntry
from himoya.knowledge import actions
from himoya.knowledge.models import Article, Status, VersionState
from himoya.knowledge.search import search

pytestmark = pytest.mark.django_db

BODY = "## What to do now\n\n1. Block the account.\n2. Tell an adult.\n"


def content(**changes) -> actions.Content:
    base = actions.Content(
        title="Someone keeps messaging you",
        summary="What to do when messages will not stop.",
        body=BODY,
        audiences=("child", "teen"),
        harm_codes=("cyberstalking",),
    )
    return dataclasses.replace(base, **changes)


def audit(action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_creating_keeps_a_first_version_and_writes_the_audit_row(editor):
    article = actions.create_article("stalking-child", "en", content(), by=editor, note="first draft")
    assert article.status == Status.DRAFT
    assert article.reading_minutes == 1
    assert (article.for_child, article.for_teen, article.for_parent) == (True, True, False)
    version = article.versions.get()
    assert (version.number, version.state, version.created_by, version.note) == (1, "applied", editor, "first draft")
    row = audit(Action.ARTICLE_CREATED)[0]
    assert row.actor == editor and row.detail == {
        "article": article.pk,
        "key": "stalking-child",
        "language": "en",
        "version": 1,
    }


def test_a_content_editor_changes_a_published_article_at_once(editor):
    article = actions.create_article("stalking-child", "en", content(), by=editor, publish=True)
    version = actions.save_changes(article, content(title="Someone follows you online"), by=editor, note="title")
    article.refresh_from_db()
    assert version.state == VersionState.APPLIED and version.changed == ["title"]
    assert (article.title, article.version) == ("Someone follows you online", 2)
    assert [a.pk for a in search("follows", "en")] == [article.pk]
    assert audit(Action.ARTICLE_UPDATED)[0].detail["version"] == 2


def test_an_operator_only_proposes_a_change_to_a_published_article(editor, operator):
    article = actions.create_article("stalking-child", "en", content(), by=editor, publish=True)
    proposal = actions.save_changes(article, content(summary="Proposed words."), by=operator)
    article.refresh_from_db()
    assert proposal.state == VersionState.PENDING
    assert article.summary == "What to do when messages will not stop."  # the public text is unchanged
    assert audit(Action.ARTICLE_PROPOSED)[0].actor == operator
    with pytest.raises(PermissionDenied):
        actions.publish_article(article, by=operator, proposal=proposal)

    actions.publish_article(article, by=editor, proposal=proposal)
    article.refresh_from_db()
    proposal.refresh_from_db()
    assert article.summary == "Proposed words."
    assert proposal.state == VersionState.ACCEPTED
    latest = article.versions.first()
    assert latest.state == VersionState.APPLIED and latest.created_by == editor
    assert f"v{proposal.number} (olga)" in latest.note


def test_an_operator_writes_drafts_and_asks_for_review_but_cannot_publish(operator, editor):
    article = actions.create_article("new-advice", "en", content(), by=operator)
    actions.save_changes(article, content(title="Better title"), by=operator)
    article.refresh_from_db()
    assert article.title == "Better title"  # a draft is not public: changes apply
    article = actions.submit_for_review(article, by=operator)
    assert article.status == Status.IN_REVIEW
    with pytest.raises(PermissionDenied):
        actions.publish_article(article, by=operator)
    with pytest.raises(PermissionDenied):
        actions.create_article("other-key", "en", content(), by=operator, publish=True)
    assert actions.publish_article(article, by=editor).status == Status.PUBLISHED


def test_staff_without_the_permission_cannot_write(outsider):
    with pytest.raises(PermissionDenied):
        actions.create_article("x-child", "en", content(), by=outsider)


def test_a_proposal_can_be_declined(editor, operator):
    article = actions.create_article("stalking-child", "en", content(), by=editor, publish=True)
    proposal = actions.save_changes(article, content(body=BODY + "\n3. Something wrong.\n"), by=operator)
    actions.decline_proposal(proposal, by=editor)
    proposal.refresh_from_db()
    assert proposal.state == VersionState.REJECTED
    assert audit(Action.ARTICLE_DECLINED)[0].detail["version"] == proposal.number
    with pytest.raises(ValueError, match="pending"):
        actions.decline_proposal(proposal, by=editor)


def test_restoring_an_old_version_makes_a_new_version(editor):
    article = actions.create_article("stalking-child", "en", content(), by=editor, publish=True)
    actions.save_changes(article, content(title="Second title"), by=editor)
    first = article.versions.get(number=1)
    restored = actions.restore_version(article, first, by=editor)
    article.refresh_from_db()
    assert (restored.number, article.title, article.version) == (3, "Someone keeps messaging you", 3)
    assert restored.note == "↺ v1"
    assert audit(Action.ARTICLE_RESTORED)[0].detail["restored"] == 1
    assert actions.restore_version(article, first, by=editor) is None  # already current


def test_saving_the_same_content_makes_no_version(editor):
    article = actions.create_article("stalking-child", "en", content(), by=editor)
    assert actions.save_changes(article, content(), by=editor) is None
    assert article.versions.count() == 1


def test_unpublishing_takes_the_article_out_of_search(editor):
    article = actions.create_article("stalking-child", "en", content(), by=editor, publish=True)
    assert search("messaging", "en") == [article]
    actions.unpublish_article(article, by=editor)
    assert search("messaging", "en") == []
    assert Article.objects.get().status == Status.DRAFT
    assert audit(Action.ARTICLE_UNPUBLISHED)


def test_unknown_harm_codes_are_refused(editor):
    with pytest.raises(ValueError, match="unknown harm"):
        actions.create_article("x", "en", content(harm_codes=("nonsense",)), by=editor)
    assert not Article.objects.exists()
