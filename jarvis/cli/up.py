"""`jarvis up`: the cloud brain on an embedded PostgreSQL and an enrolled edge, in one process."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import structlog

from assistant.app import run_edge
from assistant.credentials import save_token
from assistant.http_auth import access_policy
from cloud.app import running_cloud
from cloud.store.devices import enroll_device
from jarvis.settings import Settings
from models import Reply

log = structlog.get_logger(__name__)


async def run_everything(
    settings: Settings,
    on_cloud_ready: Callable[[str], None],
    on_edge_ready: Callable[[str], None],
    on_status: Callable[[str], None] | None = None,
    on_reply: Callable[[Reply], None] | None = None,
) -> None:
    """Run until cancelled; leaving stops the edge first, then the cloud, then PostgreSQL."""
    # The edge's own checks, made before PostgreSQL and the cloud start for nothing.
    access_policy(settings.edge_host, settings.edge_token, settings.edge_allow)
    async with running_cloud(settings, host="127.0.0.1") as cloud:
        on_cloud_ready(cloud.url)
        # Same name, same device id; a fresh token each start, and the old one stops working.
        device_id, token = await enroll_device(cloud.pool, settings.device_name, replace=True)
        save_token(settings.data_dir, token)
        log.info("up.edge_enrolled", enrolled_device_id=device_id, name=settings.device_name)
        edge_settings = msgspec.structs.replace(settings, cloud_url=cloud.url)
        await run_edge(
            edge_settings, on_ready=on_edge_ready, on_status=on_status, on_reply=on_reply
        )


def print_reply(reply: Reply) -> None:
    """How `jarvis up` shows a reply it cannot speak: one line on stdout, as it comes."""
    print(f"Jarvis: {reply.text}", flush=True)
