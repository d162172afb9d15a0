from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.knowledge.actions import Content
from himoya.knowledge.models import Article, Audience
from himoya.knowledge.rendering import ANY_PLACEHOLDER, PLACEHOLDER_NAMES
from himoya.reference.models import HarmCategory


class HarmNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name()


class HarmNamesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name()


class BrowseForm(forms.Form):
    """The public advice page: words to look for, and who and what it is about."""

    q = forms.CharField(label=_("Search advice"), max_length=200, required=False)
    audience = forms.ChoiceField(
        label=_("For whom"), choices=[("", _("Everyone"))] + list(Audience.choices), required=False
    )
    harm = HarmNameField(
        label=_("What it is about"),
        queryset=HarmCategory.objects.filter(active=True),
        to_field_name="code",
        required=False,
        empty_label=_("Any topic"),
    )


def _language_choices():
    return [(code, name) for code, name in settings.LANGUAGES]


class ArticleForm(forms.Form):
    """What an editor writes. ``key`` and ``language`` are chosen once, when an article starts."""

    key = forms.SlugField(
        label=_("Key"),
        max_length=80,
        help_text=_("Short name shared by all translations, e.g. sextortion-child. It is part of the address."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices)
    title = forms.CharField(label=_("Title"), max_length=160)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two short sentences. Shown in lists and under the title."),
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text=_(
            "Markdown: ## for a heading, - for a list, 1. for steps, **bold**, [text](address). "
            "HTML is not allowed. {{center}}, {{web}}, {{bot}}, {{phone}} and {{email}} become the "
            "center's name and contacts; a line with a contact this center does not have is left out."
        ),
    )
    audiences = forms.MultipleChoiceField(
        label=_("For whom"), choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    harms = HarmNamesField(
        label=_("Harms"),
        queryset=HarmCategory.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    review_due = forms.DateField(
        label=_("Review by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When someone should check that the advice is still right."),
    )
    note = forms.CharField(label=_("What did you change?"), max_length=300, required=False)

    def __init__(self, *args, article: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        if article is not None:
            del self.fields["key"]
            del self.fields["language"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = set(ANY_PLACEHOLDER.findall(body)) - set(PLACEHOLDER_NAMES)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s"), params={"names": ", ".join(sorted(unknown))}, code="placeholder"
            )
        return body

    def clean(self):
        data = super().clean()
        key, language = data.get("key"), data.get("language")
        if self.article is None and key and language and Article.objects.filter(key=key, language=language).exists():
            self.add_error("key", _("An article with this key already exists in this language."))
        return data

    def content(self) -> Content:
        data = self.cleaned_data
        return Content(
            title=data["title"].strip(),
            summary=data["summary"].strip(),
            body=data["body"],
            audiences=tuple(data["audiences"]),
            harm_codes=tuple(harm.code for harm in data["harms"]),
            review_due=data.get("review_due"),
        )

    @staticmethod
    def initial_for(content: Content, **extra) -> dict:
        return {
            "title": content.title,
            "summary": content.summary,
            "body": content.body,
            "audiences": list(content.audiences),
            "harms": list(content.harm_codes),
            "review_due": content.review_due,
            **extra,
        }


class LeafletForm(forms.Form):
    """A campaign's leaflets: chosen articles, or every published article matching the filters."""

    articles = forms.ModelMultipleChoiceField(
        label=_("Articles"), queryset=Article.objects.all(), required=False, widget=forms.MultipleHiddenInput
    )
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)
    audience = forms.ChoiceField(
        label=_("For whom"), choices=[("", _("Everyone"))] + list(Audience.choices), required=False
    )
    harms = HarmNamesField(
        label=_("Harms"),
        queryset=HarmCategory.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: every harm."),
    )
    size = forms.ChoiceField(label=_("Paper"), choices=[("a5", "A5"), ("a4", "A4")], initial="a5")
    bundle = forms.ChoiceField(
        label=_("Download as"),
        choices=[("pdf", _("One PDF for printing")), ("zip", _("One PDF per article (ZIP)"))],
        initial="pdf",
    )

    MAX_ARTICLES = 200

    def selected(self):
        data = self.cleaned_data
        if data["articles"]:
            chosen = Article.objects.filter(pk__in=[a.pk for a in data["articles"]])
        else:
            chosen = Article.objects.published()
            if data["language"]:
                chosen = chosen.filter(language=data["language"])
            if data["audience"]:
                chosen = chosen.for_audience(data["audience"])
            if data["harms"]:
                chosen = chosen.filter(harms__in=data["harms"]).distinct()
        return list(chosen.order_by("language", "key")[: self.MAX_ARTICLES])
