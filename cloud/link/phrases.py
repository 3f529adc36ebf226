"""``phrases_update``: a device learned or forgot a phrase (see ``cloud.capabilities.phrases``)."""

from __future__ import annotations

from cloud.capabilities.phrases import apply, parse_update
from cloud.link.handlers import Context, send_ack
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.store.requests import mark_processed
from models import Envelope
from models.messages import PhrasesUpdateBody, body_of


async def on_phrases_update(ctx: Context, envelope: Envelope) -> None:
    """A device learned or forgot a phrase: store it once, push the list, then ack."""
    change = parse_update(body_of(envelope, PhrasesUpdateBody))
    async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if await mark_processed(conn, envelope, ctx.device_id):
            await apply(conn, change, device_id=ctx.device_id, trace_id=envelope.trace_id)
    await send_ack(ctx.link, envelope)
