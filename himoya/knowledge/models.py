"""Advice articles: one row per article in one language, with its versions.

Translations of one article share a ``key`` (``cyberbullying-child`` in every language), so
a language without a row for a key is a missing translation. The row holds the content the
public sees (or will see, for a draft); every change is also kept as an ``ArticleVersion``.
Writes go through ``himoya.knowledge.actions``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every language an article can be written in; the languages a deployment serves are
# ``settings.LANGUAGES``, a subset of these.
ARTICLE_LANGUAGES = ["en", "ru", "az", "uz"]


class Audience(models.TextChoices):
    CHILD = "child", _("Children 8–12")
    TEEN = "teen", _("Teens 13–17")
    PARENT = "parent", _("Parents")
    TEACHER = "teacher", _("Teachers")


AUDIENCE_FIELDS = {
    Audience.CHILD: "for_child",
    Audience.TEEN: "for_teen",
    Audience.PARENT: "for_parent",
    Audience.TEACHER: "for_teacher",
}


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Waiting for review")
    PUBLISHED = "published", _("Published")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def for_audience(self, audience: str):
        return self.filter(**{AUDIENCE_FIELDS[Audience(audience)]: True})

    def for_harm(self, code: str):
        return self.filter(harms__code=code)


class Article(models.Model):
    key = models.SlugField(
        _("key"), max_length=80, help_text=_("Shared by all translations of this article, e.g. sextortion-child.")
    )
    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=160)
    summary = models.CharField(_("summary"), max_length=400)
    body = models.TextField(_("text (Markdown)"))
    for_child = models.BooleanField(_("for children 8–12"), default=False)
    for_teen = models.BooleanField(_("for teens 13–17"), default=False)
    for_parent = models.BooleanField(_("for parents"), default=False)
    for_teacher = models.BooleanField(_("for teachers"), default=False)
    harms = models.ManyToManyField("reference.HarmCategory", verbose_name=_("harms"), related_name="articles")
    reading_minutes = models.PositiveSmallIntegerField(_("reading time (minutes)"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_due = models.DateField(_("review by"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the shipped file this article was last loaded from; blank if written here.
    source_digest = models.CharField(max_length=64, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="knowledge_article_key_language")]
        indexes = [models.Index(fields=["language", "status"])]
        permissions = [
            ("edit_article", "Can write articles and propose changes"),
            ("publish_article", "Can publish articles"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse
        from django.utils import translation

        with translation.override(self.language):
            return reverse("knowledge:article", args=[self.key])

    @property
    def audiences(self) -> list[str]:
        return [audience for audience, field in AUDIENCE_FIELDS.items() if getattr(self, field)]

    def audience_labels(self) -> list[str]:
        return [str(Audience(audience).label) for audience in self.audiences]

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def review_overdue(self) -> bool:
        return self.review_due is not None and self.review_due < timezone.localdate()


class VersionState(models.TextChoices):
    APPLIED = "applied", _("Saved")
    PENDING = "pending", _("Proposed, waiting for review")
    ACCEPTED = "accepted", _("Proposal published")
    REJECTED = "rejected", _("Proposal declined")


class ArticleVersion(models.Model):
    """The whole content of an article at one save, and who saved it.

    ``applied`` versions were the article's content; ``pending`` ones are changes to a
    published article proposed by someone who may not publish, kept apart until a content
    editor publishes (``accepted``) or declines (``rejected``) them.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=VersionState.choices, default=VersionState.APPLIED)
    title = models.CharField(max_length=160)
    summary = models.CharField(max_length=400)
    body = models.TextField()
    audiences = models.JSONField(default=list)
    harm_codes = models.JSONField(default=list)
    review_due = models.DateField(null=True, blank=True)
    changed = models.JSONField(default=list, help_text="Names of the fields that differ from the version before.")
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_version_article_number")]

    def __str__(self) -> str:
        return f"{self.article.key}/{self.article.language} v{self.number}"

    @property
    def who(self) -> str:
        return self.created_by.get_username() if self.created_by else self.created_by_label
