from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from himoya.reference.models import HarmCategory, Region
from himoya.reports.models import AgeGroup, ReporterRole
from himoya.reports.validation import check_count, check_images, check_size, clean_links, clean_text, strip_controls


class TextField(forms.CharField):
    """Free text with control characters dropped before validation, as ``clean_text`` does.

    A plain CharField refuses a NUL outright; a reporter who pasted one should not be told
    off for a character they cannot see.
    """

    def to_python(self, value):
        return strip_controls(super().to_python(value))


class HarmChoiceField(forms.ModelChoiceField):
    """Harms offered in a child's words, in the page's language."""

    def label_from_instance(self, obj):
        return obj.in_child_words()


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern): each is cleaned as a FileField.

    A plain FileField given the list a multiple input sends refuses it ("No file was submitted").
    """

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return clean_one(data, initial)


class ReportForm(forms.Form):
    """The public report form. Every field but the story is optional."""

    harm = HarmChoiceField(
        label=_("What happened?"),
        queryset=HarmCategory.objects.filter(active=True),
        widget=forms.RadioSelect,
        required=False,
        empty_label=None,
    )
    narrative = TextField(
        label=_("Tell us in your own words"),
        help_text=_("What happened, where, and when. You do not have to give names."),
        widget=forms.Textarea(attrs={"rows": 7}),
        required=False,
    )
    needs_help_now = forms.BooleanField(label=_("I need help now"), required=False)
    links = TextField(
        label=_("Links (optional)"),
        help_text=_("Addresses of pages, profiles or channels, one per line."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    screenshots = MultipleFileField(
        label=_("Screenshots (optional)"),
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        required=False,
    )
    reporter_role = forms.ChoiceField(
        label=_("Who are you?"),
        choices=[("", _("Prefer not to say"))] + list(ReporterRole.choices),
        required=False,
    )
    age_group = forms.ChoiceField(
        label=_("How old is the child this is about?"),
        choices=AgeGroup.choices,
        initial=AgeGroup.UNKNOWN,
        required=False,
    )
    region = RegionChoiceField(
        label=_("Region (optional)"),
        queryset=Region.objects.filter(active=True),
        required=False,
        empty_label=_("Prefer not to say"),
    )
    contact = TextField(
        label=_("How can we reach you? (optional)"),
        help_text=_("A phone number or e-mail. Leave empty to stay anonymous: you can still use your case code."),
        max_length=200,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["narrative"].widget.attrs["maxlength"] = settings.NARRATIVE_MAX_CHARS
        self.fields["screenshots"].help_text = _(
            "Up to %(count)s pictures, %(mb)s MB each. Only you and the center's staff will see them."
        ) % {"count": settings.ATTACHMENTS_MAX, "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}

    def clean_narrative(self):
        return clean_text(self.cleaned_data.get("narrative"), max_chars=settings.NARRATIVE_MAX_CHARS)

    def clean_links(self):
        return clean_links([self.cleaned_data.get("links") or ""])

    def clean_contact(self):
        return clean_text(self.cleaned_data.get("contact"), max_chars=200, required=False)

    def clean_age_group(self):
        return self.cleaned_data.get("age_group") or AgeGroup.UNKNOWN

    def clean_screenshots(self):
        files = [f for f in self.files.getlist("screenshots") if f.size] if self.files else []
        check_count(len(files))
        for upload in files:
            check_size(upload.size)  # before reading it into memory
        return check_images([upload.read() for upload in files])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your case code"),
        help_text=_("16 letters and numbers, like K7MZ-9QXD-PR4H-WT2C."),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class MessageForm(forms.Form):
    body = TextField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def clean_body(self):
        return clean_text(
            self.cleaned_data.get("body"),
            max_chars=settings.MESSAGE_MAX_CHARS,
            empty_message=_("Please write your message first."),
        )
