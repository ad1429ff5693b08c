"""Claims on 办件: one processor at a time; the claimer or an admin releases; the workbench reads."""

from test_applications import staff_do, submit

from support import applicant_token


def path(number, tail=""):
    return f"/api/v1/staff/applications/{number}{tail}"


async def test_release_by_the_claimer_or_an_admin_only(server):
    token = await applicant_token(server, "o-release")
    number = (await submit(server, token)).json["number"]
    first = await server.login("processor.rsj", "Processor@2026")
    second = await server.login("processor.rsj2", "Processor@2026")
    admin = await server.login("admin", "Admin@2026")

    r = await server.fetch(path(number, "/release"), "POST", token=first)
    assert r.status == 409 and r.json["error"]["code"] == "application.not_claimed"
    r = await server.fetch(path(number, "/claim"), "POST", token=first)
    assert r.status == 200 and r.json["claimed_at"] and isinstance(r.json["due_in"], int)
    r = await server.fetch(path(number, "/claim"), "POST", token=first)  # again: still mine, no change
    assert r.status == 200 and r.json["assignee"] == "processor.rsj"
    r = await server.fetch(path(number, "/release"), "POST", token=second)
    assert r.status == 409 and r.json["error"]["code"] == "application.claimed"
    assert "processor.rsj" in r.json["error"]["message"]
    r = await server.fetch(path(number, "/release"), "POST", token=first)
    assert r.status == 200 and r.json["assignee"] is None and r.json["claimed_at"] is None
    assert [e["action"] for e in r.json["timeline"]] == ["submit", "claim", "release"]

    r = await server.fetch(path(number, "/claim"), "POST", token=second)
    assert r.status == 200 and r.json["assignee"] == "processor.rsj2"
    r = await server.fetch(path(number, "/release"), "POST", token=admin)
    assert r.status == 200 and r.json["assignee"] is None
    r = await server.fetch("/api/v1/admin/audit?action=application.release", token=admin)
    assert r.status == 200, r.body
    entry = r.json["entries"][0]
    assert entry["actor"] == "admin" and entry["details"]["assignee"] == "processor.rsj2"


async def test_a_claim_taken_meanwhile_stops_the_other_processors_action(server):
    token = await applicant_token(server, "o-race")
    number = (await submit(server, token)).json["number"]
    first = await server.login("processor.rsj", "Processor@2026")
    second = await server.login("processor.rsj2", "Processor@2026")
    r = await server.fetch(path(number, "/claim"), "POST", token=first)
    r = await staff_do(server, second, number, "accept", 1)
    assert r.status == 409 and r.json["error"]["code"] == "application.claimed"
    r = await staff_do(server, first, number, "accept", 1)
    assert r.status == 200
    r = await staff_do(server, first, number, "start_review", 1)  # stale version
    assert r.status == 409 and r.json["error"]["code"] == "application.version_conflict"


async def test_workbench_reads_queue_filters_view_and_materials(server):
    token = await applicant_token(server, "o-bench")
    number = (await submit(server, token)).json["number"]
    other = (await submit(server, token)).json["number"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    await server.fetch(path(number, "/claim"), "POST", token=clerk)

    r = await server.fetch("/api/v1/staff/applications?claimed=mine", token=clerk)
    assert [a["number"] for a in r.json["applications"]] == [number]
    r = await server.fetch("/api/v1/staff/applications?claimed=unclaimed", token=clerk)
    assert number not in [a["number"] for a in r.json["applications"]] and other in [
        a["number"] for a in r.json["applications"]]
    r = await server.fetch(f"/api/v1/staff/applications?q={other}", token=clerk)
    assert [a["number"] for a in r.json["applications"]] == [other]
    r = await server.fetch("/api/v1/staff/applications?q=SB0008", token=clerk)
    assert len(r.json["applications"]) == 2 and all(isinstance(a["due_in"], int) for a in r.json["applications"])
    r = await server.fetch("/api/v1/staff/applications?q=.*", token=clerk)  # text, not a pattern
    assert r.status == 200 and r.json["applications"] == []
    r = await server.fetch("/api/v1/staff/applications?claimed=everyone", token=clerk)
    assert r.status == 400

    r = await server.fetch(path(number), token=clerk)
    assert r.status == 200 and r.headers["Etag"] == '"1"'
    assert r.json["timeline"][0]["action"] == "submit" and r.json["due_in"] > 0
    assert r.json["materials"][0]["code"] == "id_card"
    r = await server.fetch(path(number, "/materials/id_card"), token=clerk)
    assert r.status == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["Content-Security-Policy"] == "sandbox"
    r = await server.fetch(path(number, "/materials/nothing"), token=clerk)
    assert r.status == 404 and r.json["error"]["code"] == "material.not_found"

    elsewhere = await server.login("processor.ybj", "Processor@2026")
    for tail in ("", "/materials/id_card"):
        r = await server.fetch(path(number, tail), token=elsewhere)
        assert r.status == 404
    r = await server.fetch(path(number, "/release"), "POST", token=elsewhere)
    assert r.status == 404


async def test_a_supplement_request_names_the_materials(server):
    token = await applicant_token(server, "o-names")
    number = (await submit(server, token)).json["number"]
    clerk = await server.login("processor.rsj", "Processor@2026")
    await staff_do(server, clerk, number, "accept", 1)
    await staff_do(server, clerk, number, "start_review", 2)
    r = await staff_do(server, clerk, number, "request_supplement", 3, materials=["nope"], comment="照片不清晰")
    assert r.status == 422 and "materials[0]" in r.json["error"]["details"]
    r = await staff_do(server, clerk, number, "request_supplement", 3, materials=["id_card"], comment="照片不清晰")
    assert r.status == 200, r.body
    assert r.json["supplement_request"]["materials"][0]["code"] == "id_card"
    assert r.json["timeline"][-1]["comment"].startswith("需补正：") and r.json["timeline"][-1]["comment"].endswith("照片不清晰")
    mine = await server.fetch(f"/api/v1/applications/{number}", token=token)
    assert mine.json["supplement_request"]["reason"] == "照片不清晰"
