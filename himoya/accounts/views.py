"""Staff sign-in: password, then a TOTP code. Set-up links enrol the authenticator."""

from __future__ import annotations

import math

import segno
from axes.helpers import get_lockout_response as lockout_response
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from himoya.accounts.actions import complete_setup, record_sign_in
from himoya.accounts.forms import PasswordForm, SetupForm, TokenForm
from himoya.accounts.models import SetupLink, User

PENDING_USER = "pending_user"
SETUP_DEVICE = "setup_device"


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, _("The username or password is not right."))
        elif not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            form.add_error(None, _("Your account is not set up yet. Ask an administrator for a set-up link."))
        else:
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session["next"] = request.GET.get("next", "")
            return redirect("accounts:verify")
    return render(request, "accounts/sign_in.html", {"form": form}, status=400 if form.errors else 200)


# Where each kind of staff member starts: the first of these they may open.
_HOMES = [
    ("cases.view_case", "cases:list"),
    ("awareness.run_session", "awareness:list"),
    ("knowledge.edit_article", "knowledge_staff:list"),
]


def home_for(user) -> str:
    return next((view for perm, view in _HOMES if user.has_perm(perm)), "cases:list")


def _safe_next(request, user) -> str:
    target = request.session.pop("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return home_for(user)


@require_http_methods(["GET", "POST"])
def verify(request):
    user = User.objects.filter(pk=request.session.get(PENDING_USER), is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
        # After wrong codes each device refuses every code for a while (django-otp's
        # throttling, 1, 2, 4… seconds): say so rather than call a right code wrong.
        waits = [_throttle_seconds(d) for d in devices]
        device = next((d for d in devices if d.verify_token(form.cleaned_data["token"])), None)
        if device is None:
            # A wrong code counts like a wrong password towards the account's lockout.
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
            if getattr(request, "axes_locked_out", False):
                del request.session[PENDING_USER]
                return lockout_response(request, None, {"username": user.get_username()})
            if waits and min(waits) > 0:
                message = ngettext(
                    "Too many wrong codes. Wait %(seconds)s second, then try the newest code.",
                    "Too many wrong codes. Wait %(seconds)s seconds, then try the newest code.",
                    min(waits),
                ) % {"seconds": min(waits)}
                form.add_error("token", message)
            else:
                form.add_error("token", _("That code did not work. Wait for a new one and try again."))
        else:
            del request.session[PENDING_USER]
            target = _safe_next(request, user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            record_sign_in(user)
            return redirect(target)
    return render(request, "accounts/verify.html", {"form": form}, status=400 if form.errors else 200)


def _throttle_seconds(device) -> int:
    """How long ``device`` refuses every code after wrong ones (0: it accepts a try now)."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    return max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))


@require_http_methods(["GET", "POST"])
def setup(request, token: str):
    link = SetupLink.objects.usable().select_related("user").filter(digest=SetupLink.hash(token)).first()
    if link is None:
        return render(request, "accounts/setup_invalid.html", status=404)
    device = TOTPDevice.objects.filter(pk=request.session.get(SETUP_DEVICE), user=link.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=link.user, name=_("Authenticator app"), confirmed=False)
        request.session[SETUP_DEVICE] = device.pk
    form = SetupForm(link.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", _("That code did not work. Check the time on your phone and try again."))
        else:
            user = complete_setup(link, device, form.cleaned_data["password1"])
            del request.session[SETUP_DEVICE]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            record_sign_in(user)
            return redirect(home_for(user))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/setup.html",
        {
            "form": form,
            "staff": link.user,
            "qr_svg": qr.svg_inline(scale=5, dark="#000", light="#fff", omitsize=True),
            "secret": device.config_url.split("secret=")[1].split("&")[0],
        },
        status=400 if form.errors else 200,
    )


@require_POST
def sign_out(request):
    logout(request)
    return redirect("accounts:login")
