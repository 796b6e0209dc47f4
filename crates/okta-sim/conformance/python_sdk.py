"""Drive okta-sim with Okta's official Python SDK (PyPI `okta`), unmodified.

Reads the JSON line `okta-sim serve` printed (path in argv[1]), then exercises users
(paginated list, get, create, partial/full update, lifecycle), groups and members,
apps and assignments, the user schema, the System Log, and OAuth 2.0 service-app
authentication (private_key_jwt, then DPoP with the nonce round trip). Every SDK call
is counted; the script exits non-zero unless all of them succeed.
"""

import asyncio
import json
import os
import sys
import urllib.request

# The SDK refuses http:// org URLs unless its `testing.testingDisableHttpsCheck` setting
# is on. That setting is read from okta.yaml or the environment (not from the dict given
# to Client, which only fills the `client` section), so set it the documented env way.
os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"

from okta.client import Client as OktaClient
from okta.pagination import PaginationHelper
from okta.models import (
    AddGroupRequest,
    Application,
    CreateUserRequest,
    UpdateUserRequest,
)

CALLS = {"ok": 0, "failed": 0}
FAILURES = []


def sim_control(creds, method, path, body=None):
    """Calls the simulator's own control API (not Okta's, so not through the SDK)."""
    data = json.dumps(body).encode() if body is not None else b""
    req = urllib.request.Request(creds["base_url"] + path, data=data if method != "GET" else None, method=method)
    req.add_header("Authorization", "SSWS " + creds["admin_token"])
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text else None


async def call(name, awaitable):
    """Awaits one SDK call; SDK calls return (..., err) tuples."""
    try:
        result = await awaitable
    except Exception as e:  # noqa: BLE001 - any exception is a failed call
        CALLS["failed"] += 1
        FAILURES.append(f"{name}: raised {type(e).__name__}: {e}")
        return None
    err = result[-1] if isinstance(result, tuple) else None
    if err is not None:
        CALLS["failed"] += 1
        FAILURES.append(f"{name}: {err}")
        return None
    CALLS["ok"] += 1
    return result


async def list_all(name, method, *args, **kwargs):
    """Lists every page the way the SDK's `okta.pagination` helpers do: call, read the
    `after` cursor from the `Link: <…>; rel="next"` header, repeat until it is absent."""
    items, after, pages = [], None, 0
    while True:
        res = await call(name if pages == 0 else f"{name} (page {pages + 1})", method(*args, after=after, **kwargs))
        if res is None:
            return items
        pages += 1
        items.extend(res[0] or [])
        after = PaginationHelper.extract_next_cursor(res[1].headers)
        if not after:
            return items


def group_name(group):
    """Group profiles are a oneOf wrapper in the 3.x SDK."""
    profile = getattr(group.profile, "actual_instance", None) or group.profile
    return getattr(profile, "name", None)


def check(condition, message):
    if not condition:
        CALLS["failed"] += 1
        FAILURES.append("check failed: " + message)


async def users_and_lifecycle(client, creds):
    counts = sim_control(creds, "GET", "/sim/v1/counts")
    listed = await list_all("list_users", client.list_users, limit=37)
    deprovisioned = await list_all(
        "list_users(filter DEPROVISIONED)", client.list_users, filter='status eq "DEPROVISIONED"', limit=50
    )
    ids = [u.id for u in listed] + [u.id for u in deprovisioned]
    check(len(ids) == len(set(ids)), "pagination returned duplicates")
    check(len(ids) == counts["users"], f"listed {len(ids)} users, org has {counts['users']}")
    searched = await list_all("list_users(search)", client.list_users, search='profile.department eq "Engineering"')
    check(all(u.profile.department == "Engineering" for u in searched), "search by department")

    first = listed[0]
    got = await call("get_user(id)", client.get_user(first.id))
    check(got is not None and got[0].id == first.id, "get_user by id")
    by_login = await call("get_user(login)", client.get_user(first.profile.login))
    check(by_login is not None and by_login[0].id == first.id, "get_user by login")

    body = CreateUserRequest.from_dict({
        "profile": {"firstName": "Sdk", "lastName": "Conformance", "email": "sdk.conformance@example.com",
                    "login": "sdk.conformance@example.com", "department": "QA"},
        "credentials": {"password": {"value": "Sdk-Conf0rmance!"}},
    })
    created = await call("create_user", client.create_user(body, activate=False))
    if created is None:
        return
    uid = created[0].id
    check(created[0].status == "STAGED", f"created user status {created[0].status}")
    upd = UpdateUserRequest.from_dict({"profile": {"title": "Tester"}})
    updated = await call("update_user", client.update_user(uid, upd))
    check(updated is not None and updated[0].profile.title == "Tester", "partial update")
    full = UpdateUserRequest.from_dict({"profile": {"firstName": "Sdk", "lastName": "Replaced",
                                                    "email": "sdk.conformance@example.com",
                                                    "login": "sdk.conformance@example.com"}})
    replaced = await call("replace_user", client.replace_user(uid, full))
    check(replaced is not None and replaced[0].profile.department is None, "PUT replaces the profile")

    await call("activate_user", client.activate_user(uid, send_email=False))
    await call("suspend_user", client.suspend_user(uid))
    await call("unsuspend_user", client.unsuspend_user(uid))
    await call("expire_password", client.expire_password(uid))
    sim_control(creds, "POST", f"/sim/v1/users/{uid}/complete")
    sim_control(creds, "POST", f"/sim/v1/users/{uid}/lock")
    await call("unlock_user", client.unlock_user(uid))
    status = await call("get_user(after lifecycle)", client.get_user(uid))
    check(status is not None and status[0].status == "ACTIVE", "status after unlock")
    await call("list_user_groups", client.list_user_groups(uid))
    await call("deactivate_user", client.deactivate_user(uid))
    await call("activate_user(again)", client.activate_user(uid, send_email=False))
    await call("delete_user(deactivate)", client.delete_user(uid))
    await call("delete_user(delete)", client.delete_user(uid))
    gone = await client.get_user(uid)
    check(gone[-1] is not None, "deleted user is gone")


async def groups_and_members(client):
    groups = await list_all("list_groups", client.list_groups, limit=5)
    check(any(group_name(g) == "Everyone" for g in groups), "Everyone group listed")
    created = await call("add_group", client.add_group(AddGroupRequest.from_dict(
        {"profile": {"name": "SDK Group", "description": "made by the SDK"}})))
    if created is None:
        return
    gid = created[0].id
    await call("get_group", client.get_group(gid))
    await call("replace_group", client.replace_group(gid, AddGroupRequest.from_dict(
        {"profile": {"name": "SDK Group Renamed"}})))
    users = await call("list_users(limit)", client.list_users(limit=3))
    for u in users[0] if users else []:
        await call("assign_user_to_group", client.assign_user_to_group(gid, u.id))
    members = await list_all("list_group_users", client.list_group_users, gid, limit=2)
    check(len(members) == 3, f"group has {len(members)} members")
    if members:
        await call("unassign_user_from_group", client.unassign_user_from_group(gid, members[0].id))
    big = max(groups, key=lambda g: 0 if group_name(g) == "Everyone" else 1)
    await list_all("list_group_users(Everyone)", client.list_group_users, big.id, limit=200)
    await call("delete_group", client.delete_group(gid))


async def apps(client):
    listed = await list_all("list_applications", client.list_applications, limit=2)
    check(len(listed) >= 1, "apps listed")
    app = Application.from_dict({
        "name": "bookmark", "label": "SDK Bookmark", "signOnMode": "BOOKMARK",
        "settings": {"app": {"url": "https://bookmark.example.com", "requestIntegration": False}},
    })
    created = await call("create_application", client.create_application(app))
    if created is None:
        return
    aid = created[0].id
    await call("get_application", client.get_application(aid))
    users = await call("list_users(for app)", client.list_users(limit=1))
    if users:
        from okta.models import AppUserAssignRequest
        assignment = AppUserAssignRequest.from_dict({"id": users[0][0].id, "scope": "USER"})
        await call("assign_user_to_application", client.assign_user_to_application(aid, assignment))
        await list_all("list_application_users", client.list_application_users, aid, limit=1)
        await call("unassign_user_from_application", client.unassign_user_from_application(aid, users[0][0].id))
    groups = await call("list_groups(for app)", client.list_groups(limit=2))
    if groups:
        gid = groups[0][-1].id
        await call("assign_group_to_application", client.assign_group_to_application(aid, gid))
        await list_all("list_application_group_assignments", client.list_application_group_assignments, aid)
        await call("unassign_application_from_group", client.unassign_application_from_group(aid, gid))
    await call("deactivate_application", client.deactivate_application(aid))
    await call("delete_application", client.delete_application(aid))


async def schema_and_logs(client):
    await call("get_user_schema", client.get_user_schema("default"))
    from okta.models import UserSchema
    body = UserSchema.from_dict({"definitions": {"custom": {"id": "#custom", "type": "object", "required": [],
        "properties": {"byndidRegistered": {"title": "BYND ID registered", "type": "boolean",
                                             "permissions": [{"principal": "SELF", "action": "READ_ONLY"}]}}}}})
    updated = await call("update_user_profile(schema)", client.update_user_profile("default", body))
    check(updated is not None and "byndidRegistered" in json.dumps(updated[0].to_dict()), "custom attribute added")
    users = await call("list_users(for custom attribute)", client.list_users(limit=1))
    if users:
        uid = users[0][0].id
        await call("update_user(custom attribute)", client.update_user(
            uid, UpdateUserRequest.from_dict({"profile": {"byndidRegistered": True}})))
        found = await call("list_users(search custom)", client.list_users(search="profile.byndidRegistered eq true"))
        check(found is not None and [u.id for u in found[0]] == [uid], "search on the custom attribute")
        await call("list_app_links", client.list_app_links(uid))
    events = await call("list_log_events", client.list_log_events(limit=50))
    check(events is not None and len(events[0]) > 0, "System Log has events")
    await call("list_log_events(filter)", client.list_log_events(
        filter='eventType eq "user.lifecycle.create"', limit=10))


async def oauth(creds, dpop):
    if dpop:
        client = sim_control(creds, "POST", "/sim/v1/oauth-clients",
                             {"dpop": True, "scopes": ["okta.users.read", "okta.groups.read"]})
        client_id, pem, kid = client["client_id"], client["private_key_pem"], client["key_id"]
    else:
        client_id, pem, kid = creds["oauth_client_id"], creds["oauth_private_key_pem"], creds["oauth_key_id"]
    config = {
        "orgUrl": creds["base_url"],
        "authorizationMode": "PrivateKey",
        "clientId": client_id,
        "scopes": ["okta.users.read", "okta.groups.read"],
        "privateKey": pem,
        "kid": kid
    }
    if dpop:
        config["dpopEnabled"] = True
    label = "oauth+dpop" if dpop else "oauth"
    async with OktaClient(config) as client:
        users = await list_all(f"list_users({label})", client.list_users, limit=100)
        check(len(users) > 0, f"users listed with {label}")
        await call(f"list_groups({label})", client.list_groups(limit=10))


async def main():
    with open(sys.argv[1]) as f:
        creds = json.loads(f.readline())
    config = {"orgUrl": creds["base_url"], "token": creds["admin_token"]}
    async with OktaClient(config) as client:
        await users_and_lifecycle(client, creds)
        await groups_and_members(client)
        await apps(client)
        await schema_and_logs(client)
    await oauth(creds, dpop=False)
    await oauth(creds, dpop=True)
    print(f"okta Python SDK calls: {CALLS['ok']} succeeded, {CALLS['failed']} failed")
    for f in FAILURES:
        print("  FAIL", f)
    print(f"{CALLS['ok']} passed, {CALLS['failed']} failed")
    sys.exit(1 if CALLS["failed"] or CALLS["ok"] == 0 else 0)


if __name__ == "__main__":
    asyncio.run(main())
