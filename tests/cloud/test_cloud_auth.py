"""Enrollment, device tokens, the admin token, and the identical 401 for every bad token."""

from __future__ import annotations

import stat

import aiohttp
import asyncpg
import pytest
from cloud_helpers import CloudFactory, CloudInstance

from cloud.errors import ConflictError
from cloud.store import devices


async def _enroll_http(session: aiohttp.ClientSession, cloud: CloudInstance, name: str) -> dict:
    async with session.post(
        f"{cloud.url}/v1/admin/devices", json={"name": name}, headers=cloud.admin_headers
    ) as response:
        assert response.status == 201
        return await response.json()


async def test_admin_enrolls_lists_and_revokes(clouds: CloudFactory) -> None:
    """The admin API enrolls a device (token shown once), lists it, and revokes its token."""
    cloud = await clouds.start()
    async with aiohttp.ClientSession() as session:
        enrolled = await _enroll_http(session, cloud, "Kitchen Pi")
        assert enrolled["name"] == "Kitchen Pi"
        assert enrolled["token"].startswith(enrolled["device_id"] + ".")
        async with session.get(
            f"{cloud.url}/v1/admin/devices", headers=cloud.admin_headers
        ) as response:
            listed = (await response.json())["devices"]
        assert [(d["id"], d["revoked"]) for d in listed] == [(enrolled["device_id"], False)]
        assert "token" not in listed[0]
        async with session.delete(
            f"{cloud.url}/v1/admin/devices/{enrolled['device_id']}/token",
            headers=cloud.admin_headers,
        ) as response:
            assert response.status == 200
        async with session.get(
            f"{cloud.url}/v1/admin/devices", headers=cloud.admin_headers
        ) as response:
            assert (await response.json())["devices"][0]["revoked"] is True


async def test_only_a_hash_of_the_token_is_stored(clouds: CloudFactory) -> None:
    """The database holds the token's sha256, never the token."""
    device_id, token = await clouds.enroll("office laptop")
    row = await clouds.pool.fetchrow("SELECT * FROM devices WHERE id = $1", device_id)
    assert bytes(row["token_hash"]) == devices.hash_token(token)
    assert token not in str(dict(row))


async def test_names_are_unique_unless_replaced(pool: asyncpg.Pool) -> None:
    """A second device of the same name is refused; replace keeps the id with a new token."""
    device_id, token = await devices.enroll_device(pool, "kitchen pi")
    with pytest.raises(ConflictError):
        await devices.enroll_device(pool, "Kitchen  PI")
    same_id, new_token = await devices.enroll_device(pool, "Kitchen Pi", replace=True)
    assert same_id == device_id
    assert new_token != token
    assert await devices.authenticate_device(pool, f"Bearer {new_token}") == device_id


async def test_admin_token_file_is_private(clouds: CloudFactory) -> None:
    """The admin token is made once, in <data_dir>/cloud/admin_token, readable by its owner only."""
    first = await clouds.start()
    second = await clouds.start()
    path = clouds.settings.data_dir / "cloud" / "admin_token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.admin_token == second.admin_token == path.read_text().strip()


async def test_bad_tokens_get_the_same_401(clouds: CloudFactory) -> None:
    """Missing, wrong and revoked tokens all get one identical 401 body, on HTTP and WebSocket."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    revoked_id, revoked = await clouds.enroll("old pi")
    await devices.revoke_token(clouds.pool, revoked_id)
    cases = {
        "missing": {},
        "wrong": {"Authorization": f"Bearer {device_id}.not-the-secret"},
        "garbage": {"Authorization": "Bearer nonsense"},
        "not bearer": {"Authorization": f"Basic {token}"},
        "revoked": {"Authorization": f"Bearer {revoked}"},
    }
    bodies = []
    async with aiohttp.ClientSession() as session:
        for headers in cases.values():
            for url in (f"/v1/devices/{device_id}/config", "/v1/edge", "/v1/admin/devices"):
                async with session.get(cloud.url + url, headers=headers) as response:
                    assert response.status == 401
                    bodies.append(await response.read())
    assert len(set(bodies)) == 1
    assert b"unauthorized" in bodies[0]
    assert token.encode() not in bodies[0]


async def test_device_token_is_not_an_admin_token(clouds: CloudFactory) -> None:
    """A device token cannot enroll devices, nor read another device's settings."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    other_id, _ = await clouds.enroll("office laptop")
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{cloud.url}/v1/admin/devices", json={"name": "x"}, headers=headers
        ) as response:
            assert response.status == 401
        async with session.get(
            f"{cloud.url}/v1/devices/{other_id}/config", headers=headers
        ) as response:
            assert response.status == 401
        async with session.get(
            f"{cloud.url}/v1/devices/{device_id}/config", headers=headers
        ) as response:
            assert response.status == 200


async def test_revoked_device_cannot_connect(clouds: CloudFactory) -> None:
    """After revocation the device's WebSocket handshake is refused with 401."""
    cloud = await clouds.start()
    _, token = await clouds.enroll("kitchen pi")
    session, ws = await clouds.open_socket(cloud, token)
    await ws.close()
    await session.close()
    await devices.revoke_token(clouds.pool, "KITCHEN PI")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await clouds.open_socket(cloud, token)
    assert refused.value.status == 401


async def test_refusals_are_logged_without_the_token(clouds: CloudFactory) -> None:
    """A refused request is logged with its reason, and the token never reaches the log."""
    from structlog.testing import capture_logs

    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    await devices.revoke_token(clouds.pool, device_id)
    async with aiohttp.ClientSession() as session:
        with capture_logs() as logs:
            async with session.get(
                f"{cloud.url}/v1/devices/{device_id}/config",
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 401
    refused = [entry for entry in logs if entry["event"] == "request refused"]
    assert [entry["reason"] for entry in refused] == ["revoked"]
    assert token not in repr(logs)
