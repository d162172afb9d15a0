"""Who may open a staff WebSocket: the same two factors the staff pages ask for."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device


def verified_staff(user, session) -> bool:
    """Signed in, active, and past the second factor with a device of their own (as django-otp checks)."""
    if not (user and user.is_authenticated and user.is_active and session):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed
