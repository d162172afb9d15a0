from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from himoya.accounts.sockets import verified_staff
from himoya.cases.live import QUEUE_GROUP


class QueueConsumer(AsyncJsonWebsocketConsumer):
    """Pushes "a case changed" to signed-in, two-factor-verified staff who may see cases."""

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        if not (await database_sync_to_async(verified_staff)(user, session) and await self._may_view(user)):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(QUEUE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(QUEUE_GROUP, self.channel_name)

    async def case_changed(self, event):
        await self.send_json({"case": event["case"]})

    async def cases_changed(self, event):
        for case_id in event["cases"]:
            await self.send_json({"case": case_id})

    async def case_alerted(self, event):
        await self.send_json({"case": event["case"], "alert": True})

    async def shifts_changed(self, event):
        await self.send_json({"shifts": True})

    @staticmethod
    async def _may_view(user) -> bool:
        from asgiref.sync import sync_to_async

        return await sync_to_async(user.has_perm)("cases.view_case")
