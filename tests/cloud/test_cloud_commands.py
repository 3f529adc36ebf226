"""Commands for another device: sent as text, answered by that device, replied to the asker."""

from __future__ import annotations

from cloud_helpers import CloudFactory, CloudInstance, EdgeClient

from models import Envelope


async def _answer_command(target: EdgeClient, text: str) -> Envelope:
    """What a real edge does: ack the command, run it, send the result back."""
    command = await target.expect("command")
    await target.ack(command)
    result = await target.send(
        "command_result", {"request_id": command.body["request_id"], "text": text}
    )
    await target.expect_ack(result.id)
    return command


async def _two_devices(
    clouds: CloudFactory, asker_on: CloudInstance, target_on: CloudInstance
) -> tuple[EdgeClient, EdgeClient]:
    office_id, office_token = await clouds.enroll("office laptop")
    kitchen_id, kitchen_token = await clouds.enroll("Kitchen Pi")
    office, _ = await clouds.connect(asker_on, office_id, office_token, name="office laptop")
    kitchen, _ = await clouds.connect(target_on, kitchen_id, kitchen_token, name="Kitchen Pi")
    return office, kitchen


async def test_command_runs_on_the_named_device(clouds: CloudFactory) -> None:
    """The named device gets the command text, and its answer is the asker's reply."""
    cloud = await clouds.start()
    office, kitchen = await _two_devices(clouds, cloud, cloud)
    request = await office.request("on the kitchen pi set a timer for 5 minutes")
    await office.expect_ack(request.id)
    command = await _answer_command(kitchen, "Timer set for 5 minutes.")
    assert command.body == {
        "request_id": command.body["request_id"],
        "text": "set a timer for 5 minutes",
        "reply_to": {
            "device_id": office.device_id,
            "utterance_id": request.body["utterance"]["id"],
        },
    }
    reply = await office.expect_reply()
    assert reply.body == {
        "text": "Timer set for 5 minutes.",
        "utterance_id": request.body["utterance"]["id"],
        "kind": "reply",
        "follow_up_at": None,
        "awaiting_confirmation": False,
    }
    assert reply.trace_id == command.trace_id == request.trace_id


async def test_command_result_sent_twice_replies_once(clouds: CloudFactory) -> None:
    """A repeated command_result envelope is re-acked and does not reply again."""
    cloud = await clouds.start()
    office, kitchen = await _two_devices(clouds, cloud, cloud)
    await office.request("ask the kitchen pi what time it is")
    command = await kitchen.expect("command")
    assert command.body["text"] == "what time is it"
    body = {"request_id": command.body["request_id"], "text": "It's 3 PM."}
    first = await kitchen.send("command_result", body)
    await kitchen.send("command_result", body, id_=first.id)
    await kitchen.expect_ack(first.id)
    await kitchen.expect_ack(first.id)
    await office.expect_reply()
    assert [e for e in await office.quiet(0.5) if e.type == "reply"] == []


async def test_command_for_an_offline_device_waits(clouds: CloudFactory) -> None:
    """An offline target: the asker hears so at once, and the command runs when it connects."""
    cloud = await clouds.start()
    office_id, office_token = await clouds.enroll("office laptop")
    kitchen_id, kitchen_token = await clouds.enroll("kitchen pi")
    office, _ = await clouds.connect(cloud, office_id, office_token)
    await office.request("on the kitchen pi set a timer for 5 minutes")
    notice = await office.expect_reply()
    assert notice.body["text"] == (
        "The kitchen pi is offline right now. I'll send it “set a timer for 5 minutes” when it "
        "is back and tell you what it says."
    )
    kitchen, _ = await clouds.connect(cloud, kitchen_id, kitchen_token)
    await _answer_command(kitchen, "Timer set for 5 minutes.")
    assert (await office.expect_reply()).body["text"] == "Timer set for 5 minutes."


async def test_unknown_device_is_said_plainly(clouds: CloudFactory) -> None:
    """Naming a device that is not enrolled gets an answer that lists the real ones."""
    cloud = await clouds.start()
    office, _kitchen = await _two_devices(clouds, cloud, cloud)
    await office.request("on the garage pi set a timer for 5 minutes")
    reply = await office.expect_reply()
    assert reply.body["text"] == (
        "I don't know a device called garage pi. Your devices are: Kitchen Pi and office laptop."
    )


async def test_command_reaches_a_device_on_another_instance(clouds: CloudFactory) -> None:
    """Asker on instance 1, target on instance 2: NOTIFY carries it across, and back."""
    first = await clouds.start()
    second = await clouds.start()
    office, kitchen = await _two_devices(clouds, first, second)
    await office.request("on the kitchen pi set a timer for 5 minutes")
    await _answer_command(kitchen, "Timer set for 5 minutes.")
    assert (await office.expect_reply()).body["text"] == "Timer set for 5 minutes."
    rows = await clouds.pool.fetch("SELECT name, connected_instance FROM devices ORDER BY name")
    assert {row["name"]: row["connected_instance"] for row in rows} == {
        "Kitchen Pi": second.instance_id,
        "office laptop": first.instance_id,
    }


async def test_unknown_command_result_is_acked_with_an_error(clouds: CloudFactory) -> None:
    """A result for no pending command is acked (a retry cannot help) and gets an error."""
    cloud = await clouds.start()
    _office, kitchen = await _two_devices(clouds, cloud, cloud)
    result = await kitchen.send("command_result", {"request_id": "nope", "text": "done"})
    await kitchen.expect_ack(result.id)
    error = await kitchen.expect("error")
    assert (error.body["code"], error.body["ref"]) == ("unknown_request", result.id)
