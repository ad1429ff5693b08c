"""The population register: name vs 身份证号 checks (no SDK: plain HTTP)."""

import json
import time

import pytest
import pytest_asyncio

from sandbox.identity import GIVEN_NAME_CHARS, SURNAMES, derived_name, normalize, registered_name, with_check_char
from sandbox.state import SandboxState

pytestmark = pytest.mark.asyncio

# The GB 11643 standard's own example, and a few more with valid check characters.
ID_X = "11010519491231002X"
ID_A = "440304199001011233"
ID_B = "510107200002290010"


class Register:
    def __init__(self, sb):
        self.sb, self.state = sb, sb.state

    async def verify(self, name, id_number):
        response, payload = await self.sb.fetch("/identity/verify", "POST", {"name": name, "id_number": id_number})
        assert response.code == 200, payload
        assert set(payload) == {"result", "request_id"} and len(payload["request_id"]) == 32
        return payload["result"]

    async def person(self, id_number):
        return await self.sb.fetch(f"/identity/people/{id_number}")


@pytest_asyncio.fixture
async def register(make_sandbox):
    return Register(await make_sandbox())


async def test_check_characters():
    assert with_check_char("11010519491231002") == ID_X
    assert with_check_char("44030419900101123") == ID_A
    assert normalize("11010519491231002x") == ID_X
    assert normalize(" 440304199001011233 ") == ID_A
    for bad in ("440304199001011234", "11010519491231002", "1101051949123100211", "A10105194912310021", ""):
        assert normalize(bad) is None
    with pytest.raises(ValueError):
        with_check_char("1234")


async def test_match_mismatch_not_found(register):
    response, person = await register.person(ID_A)
    assert response.code == 200
    assert person == {"id_number": ID_A, "name": "陈华琳"}
    assert await register.verify("陈华琳", ID_A) == "match"
    assert await register.verify("陈华", ID_A) == "mismatch"
    assert await register.verify("陈华琳 ", ID_A) == "mismatch"  # names compare exactly
    assert await register.verify("陈华琳", "440304199001011234") == "not_found"  # bad check character
    assert await register.verify("陈华琳", "44030419900101123") == "not_found"  # 17 characters
    assert await register.verify("陈华琳", "not a number") == "not_found"

    response, payload = await register.person("440304199001011234")
    assert response.code == 404 and "error" in payload


async def test_lower_case_x(register):
    assert (await register.person("11010519491231002x"))[1] == {"id_number": ID_X, "name": "罗思悦"}
    assert await register.verify("罗思悦", "11010519491231002x") == "match"


async def test_names_are_deterministic(make_sandbox):
    # Pinned: tests and demo data elsewhere may rely on these.
    assert [derived_name(i) for i in (ID_X, ID_A, ID_B)] == ["罗思悦", "陈华琳", "张华"]
    # The same in another sandbox, and over HTTP.
    other = Register(await make_sandbox())
    assert (await other.person(ID_B))[1]["name"] == "张华"
    assert await other.verify("张华", ID_B) == "match"
    # Every name: a common surname and one or two given-name characters.
    names = {derived_name(with_check_char(f"3201021990{n:07d}")) for n in range(300)}
    assert all(n[0] in SURNAMES and 2 <= len(n) <= 3 and all(c in GIVEN_NAME_CHARS for c in n[1:]) for n in names)
    assert len(names) > 250  # and they differ between people


async def test_register_a_person(register):
    response, payload = await register.sb.fetch("/identity/people", "POST", {"id_number": ID_A.lower(), "name": "李雷"})
    assert (response.code, payload) == (201, {"id_number": ID_A, "name": "李雷"})
    assert await register.verify("李雷", ID_A) == "match"
    assert await register.verify("陈华琳", ID_A) == "mismatch"
    assert (await register.person(ID_A))[1]["name"] == "李雷"

    # null deregisters: a valid number nobody holds.
    response, _ = await register.sb.fetch("/identity/people", "POST", {"id_number": ID_A, "name": None})
    assert response.code == 201
    assert await register.verify("李雷", ID_A) == "not_found"
    assert (await register.person(ID_A))[0].code == 404

    # reset brings back the derived name.
    await register.sb.fetch("/reset", "POST")
    assert await register.verify("陈华琳", ID_A) == "match"


@pytest.mark.parametrize(
    "path, body, fragment",
    [
        ("/identity/verify", {"id_number": ID_A}, "name"),
        ("/identity/verify", {"name": "", "id_number": ID_A}, "name"),
        ("/identity/verify", {"name": "张三"}, "id_number"),
        ("/identity/verify", {"name": "张三", "id_number": 440304199001011233}, "id_number"),
        ("/identity/verify", "{oops", "JSON object"),
        ("/identity/people", {"id_number": "440304199001011234", "name": "张三"}, "check character"),
        ("/identity/people", {"id_number": ID_A}, "name is required"),
        ("/identity/people", {"id_number": ID_A, "name": 7}, "name"),
    ],
)
async def test_bad_requests(register, path, body, fragment):
    response, payload = await register.sb.fetch(path, "POST", body)
    assert response.code == 400
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert fragment in payload["error"]
    assert register.state.identity.people == {}


async def test_fault_503_and_latency(register):
    await register.sb.add_fault(target="identity.verify", status=503)
    response, payload = await register.sb.fetch("/identity/verify", "POST", {"name": "陈华琳", "id_number": ID_A})
    assert (response.code, payload) == (503, {"error": "Service Unavailable", "status": 503})
    assert await register.verify("陈华琳", ID_A) == "match"

    await register.sb.add_fault(target="identity.verify", latency_ms=200)
    started = time.monotonic()
    assert await register.verify("陈华琳", ID_A) == "match"
    assert time.monotonic() - started >= 0.2


async def test_fault_errcode(register):
    await register.sb.add_fault(target="identity.verify", errcode=-1, errmsg="register busy")
    response, payload = await register.sb.fetch("/identity/verify", "POST", {"name": "陈华琳", "id_number": ID_A})
    assert (response.code, payload) == (200, {"errcode": -1, "errmsg": "register busy"})


async def test_received_log_masks_personal_data(register):
    await register.verify("陈华琳", ID_A)
    [record] = await register.sb.received("identity.verify")
    assert record["json"] == {"name": "***", "id_number": "***"}
    assert (record["status"], record["path"]) == (200, "/sandbox/identity/verify")
    assert ID_A not in json.dumps(await register.sb.received())
    # /identity/people is the control plane: not recorded.
    await register.person(ID_A)
    assert len(await register.sb.received()) == 1


async def test_state_without_http():
    state = SandboxState()
    state.identity.people[ID_B] = "韩梅梅"
    assert registered_name(state, ID_B) == "韩梅梅"
    assert registered_name(state, ID_A) == "陈华琳"
    assert registered_name(state, "123") is None
