from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from himoya.cases.live import QUEUE_GROUP


class QueueConsumer(AsyncJsonWebsocketConsumer):
    """Pushes "a case changed" to signed-in, two-factor-verified staff who may see cases."""

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        verified = bool(session and session.get("otp_device_id"))
        if not (user and user.is_authenticated and verified and await self._may_view(user)):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(QUEUE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(QUEUE_GROUP, self.channel_name)

    async def case_changed(self, event):
        await self.send_json({"case": event["case"]})

    @staticmethod
    async def _may_view(user) -> bool:
        from asgiref.sync import sync_to_async

        return await sync_to_async(user.has_perm)("cases.view_case")
