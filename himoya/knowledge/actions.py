"""Every write to articles: create, change, propose, publish, unpublish, restore a version.

The editor, the starter-set loader and the management commands all call these. Each runs in
one transaction that also keeps a version, writes the audit row and updates the search index.

Who may do what: anyone with ``knowledge.edit_article`` writes drafts and proposes; only
``knowledge.publish_article`` (content editors) publishes. A change to a published article by
someone who may not publish does not reach the public: it is kept as a *pending* version
until a content editor publishes or declines it. ``by=None`` is the platform itself (the
starter-set loader), which may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from himoya.audit.log import log
from himoya.audit.models import Action
from himoya.knowledge import search
from himoya.knowledge.models import AUDIENCE_FIELDS, Article, ArticleVersion, Audience, Status, VersionState
from himoya.knowledge.rendering import reading_minutes
from himoya.reference.models import HarmCategory

CONTENT_FIELDS = ["title", "summary", "body", "audiences", "harm_codes", "review_due"]


@dataclass(frozen=True)
class Content:
    """What an editor writes: everything of an article but its key, language and status."""

    title: str
    summary: str
    body: str
    audiences: tuple[str, ...]
    harm_codes: tuple[str, ...]
    review_due: date | None = None

    def __post_init__(self):
        object.__setattr__(self, "audiences", tuple(sorted({str(Audience(a)) for a in self.audiences})))
        object.__setattr__(self, "harm_codes", tuple(sorted(set(self.harm_codes))))
        object.__setattr__(self, "body", self.body.replace("\r\n", "\n").strip() + "\n")

    @classmethod
    def of(cls, article: Article) -> Content:
        return cls(
            title=article.title,
            summary=article.summary,
            body=article.body,
            audiences=tuple(article.audiences),
            harm_codes=tuple(article.harms.values_list("code", flat=True)),
            review_due=article.review_due,
        )

    @classmethod
    def of_version(cls, version: ArticleVersion) -> Content:
        return cls(
            title=version.title,
            summary=version.summary,
            body=version.body,
            audiences=tuple(version.audiences),
            harm_codes=tuple(version.harm_codes),
            review_due=version.review_due,
        )

    def changed_from(self, other: Content | None) -> list[str]:
        if other is None:
            return list(CONTENT_FIELDS)
        return [name for name in CONTENT_FIELDS if getattr(self, name) != getattr(other, name)]


@dataclass
class Actor:
    """Who acts: a staff user, or the platform (``user=None``) with a label."""

    user: object | None = None
    label: str = field(default="system")

    @property
    def may_publish(self) -> bool:
        return self.user is None or self.user.has_perm("knowledge.publish_article")

    @property
    def may_edit(self) -> bool:
        return self.user is None or self.user.has_perm("knowledge.edit_article")


def _actor(by) -> Actor:
    return by if isinstance(by, Actor) else Actor(user=by, label="" if by is not None else "system")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _harms(codes: tuple[str, ...]) -> list[HarmCategory]:
    harms = list(HarmCategory.objects.filter(code__in=codes))
    missing = set(codes) - {harm.code for harm in harms}
    if missing:
        raise ValueError(f"unknown harm codes: {', '.join(sorted(missing))}")
    return harms


def _next_number(article: Article) -> int:
    return (article.versions.aggregate(top=Max("number"))["top"] or 0) + 1


def _version(article: Article, content: Content, actor: Actor, *, state: str, changed: list[str], note: str):
    return ArticleVersion.objects.create(
        article=article,
        number=_next_number(article),
        state=state,
        title=content.title,
        summary=content.summary,
        body=content.body,
        audiences=list(content.audiences),
        harm_codes=list(content.harm_codes),
        review_due=content.review_due,
        changed=changed,
        note=note[:300],
        created_by=actor.user,
        created_by_label=actor.label if actor.user is None else "",
    )


def _apply(article: Article, content: Content) -> None:
    """Write ``content`` into the article row (the caller saves and versions it)."""
    article.title = content.title
    article.summary = content.summary
    article.body = content.body
    for audience, name in AUDIENCE_FIELDS.items():
        setattr(article, name, audience in content.audiences)
    article.review_due = content.review_due
    article.reading_minutes = reading_minutes(content.body)
    article.updated_at = timezone.now()


def _audit(action: Action, article: Article, actor: Actor, **detail) -> None:
    log(
        action,
        actor=actor.user,
        label=actor.label if actor.user is None else "",
        article=article.pk,
        key=article.key,
        language=article.language,
        **detail,
    )


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def create_article(
    key: str,
    language: str,
    content: Content,
    *,
    by=None,
    note: str = "",
    publish: bool = False,
    source_digest: str = "",
) -> Article:
    """A new article (a draft unless ``publish``) and its first version."""
    actor = _actor(by)
    _require(actor.may_edit)
    if publish:
        _require(actor.may_publish)
    with transaction.atomic():
        harms = _harms(content.harm_codes)
        article = Article(key=key, language=language, source_digest=source_digest)
        _apply(article, content)
        article.version = 1
        if publish:
            article.status = Status.PUBLISHED
            article.published_at = article.updated_at
        article.save()
        article.harms.set(harms)
        _version(article, content, actor, state=VersionState.APPLIED, changed=content.changed_from(None), note=note)
        _audit(Action.ARTICLE_CREATED, article, actor, version=1)
        if publish:
            _audit(Action.ARTICLE_PUBLISHED, article, actor, version=1)
        search.index_article(article)
    return article


def save_changes(
    article: Article, content: Content, *, by=None, note: str = "", source_digest: str | None = None
) -> ArticleVersion | None:
    """Save an editor's changes; the new version, or None when nothing changed.

    On a published article, changes by someone who may not publish become a pending
    proposal and the public text stays as it is.
    """
    return _save(article, content, _actor(by), note=note, source_digest=source_digest, action=Action.ARTICLE_UPDATED)


def _save(article, content, actor, *, note, source_digest, action, **detail) -> ArticleVersion | None:
    _require(actor.may_edit)
    with transaction.atomic():
        article = _locked(article)
        changed = content.changed_from(Content.of(article))
        if not changed:
            if source_digest is not None and source_digest != article.source_digest:
                article.source_digest = source_digest
                article.save(update_fields=["source_digest"])
            return None
        if article.is_published and not actor.may_publish:
            version = _version(article, content, actor, state=VersionState.PENDING, changed=changed, note=note)
            _audit(Action.ARTICLE_PROPOSED, article, actor, version=version.number, **detail)
            return version
        harms = _harms(content.harm_codes)
        _apply(article, content)
        version = _version(article, content, actor, state=VersionState.APPLIED, changed=changed, note=note)
        article.version = version.number
        fields = ["title", "summary", "body", *AUDIENCE_FIELDS.values(), "review_due", "reading_minutes"]
        fields += ["updated_at", "version"]
        if source_digest is not None:
            article.source_digest = source_digest
            fields.append("source_digest")
        article.save(update_fields=fields)
        article.harms.set(harms)
        _audit(action, article, actor, version=version.number, **detail)
        search.index_article(article)
    return version


def submit_for_review(article: Article, *, by) -> Article:
    """A draft is ready: ask a content editor to publish it."""
    actor = _actor(by)
    _require(actor.may_edit)
    with transaction.atomic():
        article = _locked(article)
        if article.status != Status.DRAFT:
            return article
        article.status = Status.IN_REVIEW
        article.save(update_fields=["status"])
        _audit(Action.ARTICLE_PROPOSED, article, actor, version=article.version)
    return article


def publish_article(article: Article, *, by, proposal: ArticleVersion | None = None) -> Article:
    """Make the article public; with ``proposal``, publish that pending change too."""
    actor = _actor(by)
    _require(actor.may_publish)
    with transaction.atomic():
        article = _locked(article)
        if proposal is not None:
            proposal = ArticleVersion.objects.select_for_update().get(pk=proposal.pk, article=article)
            if proposal.state != VersionState.PENDING:
                raise ValueError("only a pending proposal can be published")
            who = proposal.who
            _save(
                article,
                Content.of_version(proposal),
                actor,
                # Language-neutral marks: the history is read in every console language.
                note=f"✓ v{proposal.number} ({who}) {proposal.note}".strip(),
                source_digest=None,
                action=Action.ARTICLE_UPDATED,
                proposal=proposal.number,
            )
            proposal.state = VersionState.ACCEPTED
            proposal.save(update_fields=["state"])
            article.refresh_from_db()
        if article.status != Status.PUBLISHED or proposal is not None:
            article.status = Status.PUBLISHED
            article.published_at = timezone.now()
            article.save(update_fields=["status", "published_at"])
            _audit(Action.ARTICLE_PUBLISHED, article, actor, version=article.version)
    return article


def decline_proposal(proposal: ArticleVersion, *, by) -> ArticleVersion:
    actor = _actor(by)
    _require(actor.may_publish)
    with transaction.atomic():
        proposal = ArticleVersion.objects.select_for_update().select_related("article").get(pk=proposal.pk)
        if proposal.state != VersionState.PENDING:
            raise ValueError("only a pending proposal can be declined")
        proposal.state = VersionState.REJECTED
        proposal.save(update_fields=["state"])
        _audit(Action.ARTICLE_DECLINED, proposal.article, actor, version=proposal.number)
    return proposal


def unpublish_article(article: Article, *, by) -> Article:
    """Take the article off the public pages; it becomes a draft again."""
    actor = _actor(by)
    _require(actor.may_publish)
    with transaction.atomic():
        article = _locked(article)
        if article.status == Status.PUBLISHED:
            article.status = Status.DRAFT
            article.save(update_fields=["status"])
            _audit(Action.ARTICLE_UNPUBLISHED, article, actor, version=article.version)
    return article


def restore_version(article: Article, version: ArticleVersion, *, by) -> ArticleVersion | None:
    """Make an earlier version's content current again, as a new version.

    Follows the same rule as ``save_changes``: on a published article, someone who may
    not publish only proposes the restore.
    """
    if version.article_id != article.pk:
        raise ValueError("the version belongs to another article")
    actor = _actor(by)
    return _save(
        article,
        Content.of_version(version),
        actor,
        note=f"↺ v{version.number}",
        source_digest=None,
        action=Action.ARTICLE_RESTORED,
        restored=version.number,
    )
