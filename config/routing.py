from django.urls import path

from himoya.awareness import consumers as awareness
from himoya.cases.consumers import QueueConsumer
from himoya.conversations.consumers import ReporterChatConsumer, StaffChatConsumer

websocket_urlpatterns = [
    path("ws/queue/", QueueConsumer.as_asgi()),
    path("ws/cases/<int:pk>/chat/", StaffChatConsumer.as_asgi()),
    path("ws/conversation/", ReporterChatConsumer.as_asgi()),
    path("ws/awareness/join/<str:code>/", awareness.ParticipantConsumer.as_asgi()),
    path("ws/awareness/screen/<str:key>/", awareness.ProjectorConsumer.as_asgi()),
    path("ws/awareness/present/<int:pk>/", awareness.PresenterConsumer.as_asgi()),
]
