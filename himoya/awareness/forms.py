from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from himoya.awareness.actions import NICKNAME_MAX_CHARS, QUESTION_MAX_CHARS, SessionDetails
from himoya.awareness.models import Audience, Kind, SessionTemplate
from himoya.awareness.plans import ActivityPlan, PlanError

# --- Pupils --------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Session code"),
        max_length=20,
        help_text=_("The 8 digits on the screen, for example 1234 5678."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autocapitalize": "off"}),
    )


class JoinForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname (optional)"),
        max_length=NICKNAME_MAX_CHARS,
        required=False,
        help_text=_("Not your real name. Leave it empty to stay a guest."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
    )


class AskForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_CHARS,
        help_text=_("Do not write names, phone numbers or addresses. Nobody sees who asked."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Trainers ------------------------------------------------------------------------------------


def _template_choices():
    """One entry per shipped or saved template, named in the console's language if it can be."""
    language = get_language() or settings.LANGUAGE_CODE
    names: dict[str, str] = {}
    for template in SessionTemplate.objects.order_by("key", "language"):
        if template.key not in names or template.language == language:
            names[template.key] = template.title
    return [("", _("No template: I will add activities myself"))] + sorted(names.items(), key=lambda kv: kv[1])


class SessionForm(forms.Form):
    template = forms.ChoiceField(label=_("Start from a template"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language of the session"), choices=settings.LANGUAGES)
    scheduled_for = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    qa_enabled = forms.BooleanField(label=_("Pupils may ask questions"), required=False, initial=True)
    qa_moderated = forms.BooleanField(
        label=_("Questions wait for my approval before they are shown"), required=False, initial=True
    )

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.template_obj = None
        if creating:
            self.fields["template"].choices = _template_choices()
            self.fields["title"].help_text = _("Leave empty to use the template's title.")
        else:
            del self.fields["template"]
        self.fields["scheduled_for"].initial = timezone.localdate()
        self.fields["language"].initial = get_language()

    def clean(self):
        data = super().clean()
        key = data.get("template")
        if key:
            self.template_obj = SessionTemplate.objects.filter(key=key, language=data.get("language")).first()
            if self.template_obj is None:
                self.add_error("template", _("This template is not available in the language you chose."))
            elif not data.get("title"):
                data["title"] = self.template_obj.title
        if not data.get("title") and "title" not in self.errors:
            self.add_error("title", _("Give the session a title, or choose a template."))
        return data

    def details(self) -> SessionDetails:
        data = self.cleaned_data
        return SessionDetails(
            title=data["title"],
            language=data["language"],
            scheduled_for=data["scheduled_for"],
            audience=data["audience"],
            qa_enabled=data["qa_enabled"],
            qa_moderated=data["qa_moderated"],
        )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    prompt = forms.CharField(label=_("Question or prompt"), max_length=300)
    options = forms.CharField(
        label=_("Answers, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For polls and quiz questions: 2 to 8 answers."),
    )
    correct = forms.CharField(
        label=_("Right answer(s)"),
        required=False,
        max_length=40,
        help_text=_(
            "For a quiz question: the number of the right answer in the list (1 is the first); "
            "several numbers separated by commas."
        ),
    )
    seconds = forms.IntegerField(
        label=_("Time limit in seconds"),
        required=False,
        min_value=5,
        max_value=300,
        help_text=_("For a quiz question."),
    )
    scale_max = forms.IntegerField(
        label=_("Highest rating"),
        required=False,
        min_value=2,
        max_value=10,
        initial=5,
        help_text=_("For a rating scale."),
    )
    max_words = forms.IntegerField(
        label=_("Words per pupil"),
        required=False,
        min_value=1,
        max_value=5,
        initial=3,
        help_text=_("For a word cloud."),
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            correct = [
                int(part) - 1 for part in (data.get("correct") or "").replace(";", ",").split(",") if part.strip()
            ]
        except ValueError:
            self.add_error("correct", _("Write the numbers of the right answers, e.g. 2 or 1, 3."))
            return data
        plan = ActivityPlan(
            kind=data["kind"],
            prompt=data["prompt"],
            options=(data.get("options") or "").splitlines(),
            correct=correct,
            seconds=data.get("seconds"),
            scale_max=data.get("scale_max") or 5,
            max_words=data.get("max_words") or 3,
        )
        try:
            plan.check()
        except PlanError:
            self.add_error(None, PLAN_HELP.get(data["kind"], PLAN_HELP["default"]))
            return data
        data["plan"] = plan
        return data


PLAN_HELP = {
    Kind.POLL_SINGLE: _("A poll needs 2 to 8 answers, one per line (up to 120 characters each)."),
    Kind.POLL_MULTIPLE: _("A poll needs 2 to 8 answers, one per line (up to 120 characters each)."),
    Kind.QUIZ: _(
        "A quiz question needs 2 to 8 answers and the number of the right one; a time limit is 5 to 300 seconds."
    ),
    "default": _("Please check the activity's fields."),
}
