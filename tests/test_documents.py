"""当场行政处罚决定书 over real HTTP: the inspector decides a case on the spot with the party's
signature; the PDF's text holds the case number and the legal basis; 送达 is recorded; the
document's SHA-256 is on the case's chain, which verifies (and breaks when the PDF is altered);
bad signatures, penalties and 送达 are 4xx; the QR's public page answers without party data."""

import base64
import hashlib
import html.parser
import io
import uuid

import pytest
import pytest_asyncio
from PIL import Image, ImageDraw
from pypdf import PdfReader
from test_enforcement import add_photo, body, photo, put

from handlers.documents import prefers_html
from models import decision_pdf
from support import SHARED_APP

pytestmark = SHARED_APP  # each test opens and decides its own case

BASIS = "《中华人民共和国道路交通安全法》第九十三条第二款"


def signature(ink=True, size=(400, 160), fmt="PNG") -> str:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 120), (120, 30), (220, 130), (380, 40)], fill=(0, 0, 0, 255), width=6)
    buf = io.BytesIO()
    image.convert("RGB" if fmt == "JPEG" else "RGBA").save(buf, fmt)
    return base64.b64encode(buf.getvalue()).decode()


def decision(version, **changes):
    return {"version": version, "penalty": {"kind": "fine", "amount": 100},
            "service": {"method": "on_spot"}, "signature": signature(), **changes}


@pytest_asyncio.fixture(loop_scope="module")  # the loop of the module's shared app
async def staff(server):
    return {"inspector": await server.login("inspector", "Inspector@2026"),
            "li": await server.login("inspector.li", "Inspector@2026"),
            "supervisor": await server.login("supervisor", "Supervisor@2026")}


async def new_case(server, token, **changes):
    case_id = str(uuid.uuid4())
    parties = [{"kind": "person", "name": "王五", "id_number_masked": "330106********3314"},
               {"kind": "vehicle", "plate": "浙A7K2M9"}]
    payload = body(**{"legal_basis": BASIS, "parties": parties, **changes})
    assert (await put(server, token, case_id, payload)).status == 201
    return case_id


async def decide(server, token, case_id, payload):
    return await server.fetch(f"/api/v1/enforcement/cases/{case_id}/spot-decision", "POST", token=token, json_body=payload)


async def test_a_spot_decision_yields_a_signed_pdf_on_the_chain(server, staff):
    token = staff["inspector"]
    case_id = await new_case(server, token)
    r = await decide(server, token, case_id, decision(1, service={"method": "electronic", "phone": "13800138000",
                                                                  "consent": True}))
    assert r.status == 201, r.body
    document, case = r.json["document"], r.json["case"]
    assert case["state"] == "decided" and case["number"].startswith("ZF") and case["version"] == 2
    assert document["number"] == case["number"] and document["service"]["method"] == "electronic"
    assert document["service"]["phone_masked"] == "138****8000" and "13800138000" not in r.body.decode()

    pdf = await server.fetch(f"/api/v1/enforcement/documents/{document['id']}.pdf", token=token)
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages).replace("\n", "")
    for expected in (case["number"], BASIS, "罚款人民币 100 元", "王五", "执法队员张伟", "33010620001",
                     "电子送达", "138****8000", document["verify_url"]):
        assert expected in text, expected
    assert hashlib.sha256(pdf.body).hexdigest() == document["sha256"]

    trail = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/trail", token=token)).json["events"]
    assert trail[-1]["type"] == "document_issued" and trail[-1]["data"]["document"]["sha256"] == document["sha256"]
    verify = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json
    assert verify["ok"] and verify["events"] == 2
    listed = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/documents", token=staff["supervisor"])).json
    assert [d["id"] for d in listed["documents"]] == [document["id"]]
    assert (await server.fetch(f"/api/v1/enforcement/documents/{document['id']}.pdf", token=staff["li"])).status == 404

    public = await server.fetch(f"/api/v1/enforcement/documents/{document['id']}/verify")  # the QR code, no login
    assert public.status == 200 and public.json["valid"] and public.json["number"] == case["number"]
    assert "王五" not in public.body.decode()
    assert (await server.fetch(f"/api/v1/enforcement/documents/{'0' * 32}/verify")).status == 404

    again = await decide(server, token, case_id, decision(2))
    assert again.status == 409  # decided already

    # the stored PDF altered: the chain no longer verifies, nor does the public page
    await server.deps.db.blobs._bucket.upload_from_stream(document["sha256"], pdf.body + b"%tampered")
    broken = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json
    assert not broken["ok"] and "文书" in broken["reason"]
    assert not (await server.fetch(f"/api/v1/enforcement/documents/{document['id']}/verify")).json["valid"]


PHONE = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


class Facts(html.parser.HTMLParser):
    """The page's text, and its <dt> labels each with the <dd> that follows."""

    def __init__(self):
        super().__init__()
        self.text, self.facts, self._tag, self._label = [], {}, None, None

    def handle_starttag(self, tag, attrs):
        self._tag = tag

    def handle_endtag(self, tag):
        self._tag = None

    def handle_data(self, data):
        self.text.append(data)
        if self._tag == "dt":
            self._label = data.strip()
        elif self._tag == "dd" and self._label:
            self.facts[self._label] = data.strip()


@pytest.mark.parametrize("accept, html", [
    (PHONE, True), ("text/html", True), ("application/json", False), ("*/*", False), ("", False),
    ("application/json, text/html", False),  # a tie stays JSON
    ("text/html;q=0.5, application/json", False), ("text/*, application/json;q=0.4", True),
    ("text/html;q=bad, application/json;q=0.9", True), ("application/*;q=0.9, text/html;q=0", False),
])
async def test_which_clients_get_the_page(accept, html):  # async only as the module's SHARED_APP mark wants
    assert prefers_html(accept) is html


async def test_the_qr_code_opens_a_page_in_a_browser_and_json_elsewhere(server, staff):
    case_id = await new_case(server, staff["inspector"])
    r = await decide(server, staff["inspector"], case_id, decision(1))
    document, number = r.json["document"], r.json["case"]["number"]
    path = f"/api/v1/enforcement/documents/{document['id']}/verify"

    page = await server.fetch(path, headers={"Accept": PHONE})  # a phone's camera opens the link
    assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in page.headers["Vary"] and "script-src" not in page.headers["Content-Security-Policy"]
    parsed = Facts()
    parsed.feed(page.body.decode())
    assert parsed.facts["文书编号"] == number and parsed.facts["文件 SHA-256"] == document["sha256"]
    assert parsed.facts["案件证据链完整"] == "是" and parsed.facts["制作时间（北京时间）"].startswith("20")
    text = "".join(parsed.text)
    assert "文书真实有效" in text and "王五" not in text and "330106" not in text  # never the party
    assert '<html lang="zh-CN">' in page.body.decode() and "font: 18px" in page.body.decode()

    for accept in ("application/json", "*/*", None):  # API clients keep JSON
        r = await server.fetch(path, headers={"Accept": accept} if accept else {})
        assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
        assert r.json["number"] == number and r.json["valid"] is True

    unknown = f"/api/v1/enforcement/documents/{'0' * 32}/verify"
    missing = await server.fetch(unknown, headers={"Accept": PHONE})
    assert missing.status == 404 and missing.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "文书不存在" in missing.body.decode()
    missing = await server.fetch(unknown, headers={"Accept": "application/json"})
    assert missing.status == 404 and missing.json["error"]["code"] == "document.not_found"

    # the chain broken: the page says so, in words as well as colour
    await server.deps.db.blobs._bucket.upload_from_stream(document["sha256"], b"%PDF-tampered")
    broken = Facts()
    broken.feed((await server.fetch(path, headers={"Accept": PHONE})).body.decode())
    assert broken.facts["案件证据链完整"] == "否" and "文书或案件记录校验失败" in "".join(broken.text)


@pytest.mark.parametrize("change, field", [
    ({"signature": signature(ink=False)}, "signature"),  # blank
    ({"signature": signature(fmt="JPEG")}, "signature"),  # not a PNG
    ({"signature": signature(size=(10, 10))}, "signature"),
    ({"signature": "not base64!!" * 4}, "signature"),
    ({"signature": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100).decode()}, "signature"),  # corrupt
    ({"penalty": {"kind": "fine", "amount": 500}}, "penalty"),  # over Art. 51's 200 元 for a person
    ({"penalty": {"kind": "fine", "amount": 0}}, "penalty"),
    ({"penalty": {"kind": "warning", "amount": 50}}, "penalty"),
    ({"service": {"method": "electronic", "phone": "13800138000"}}, "service"),  # no consent
    ({"service": {"method": "electronic", "consent": True}}, "service"),  # no phone
    ({"service": {"method": "post"}}, "service"),
])
async def test_bad_decisions_are_422(server, staff, change, field):
    case_id = await new_case(server, staff["inspector"])
    r = await decide(server, staff["inspector"], case_id, decision(1, **change))
    assert r.status == 422, r.body
    assert field in str(r.json["error"]["details"])
    case = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}", token=staff["inspector"])).json
    assert case["state"] == "draft" and case["number"] is None


async def test_who_and_when(server, staff):
    case_id = await new_case(server, staff["inspector"])
    assert (await decide(server, staff["li"], case_id, decision(1))).status == 404  # not their case
    assert (await decide(server, staff["supervisor"], case_id, decision(1))).status == 403
    assert (await decide(server, staff["inspector"], case_id, decision(7))).status == 409  # stale
    no_basis = await new_case(server, staff["inspector"], legal_basis="")
    assert (await decide(server, staff["inspector"], no_basis, decision(1))).status == 422
    business = await new_case(server, staff["inspector"], parties=[{"kind": "business", "name": "某某运输公司"}])
    r = await decide(server, staff["inspector"], business, decision(1, penalty={"kind": "fine", "amount": 2000}))
    assert r.status == 201  # up to 3,000 元 for an organisation
    warning = await new_case(server, staff["inspector"])
    r = await decide(server, staff["inspector"], warning, decision(1, penalty={"kind": "warning"}))
    assert r.status == 201 and r.json["document"]["penalty"] == {"kind": "warning", "amount": 0}


async def test_a_supervisor_returns_and_approves(server, staff):
    inspector, supervisor = staff["inspector"], staff["supervisor"]
    case_id = await new_case(server, inspector)

    async def act(token, action, version, comment=""):
        return await server.fetch(f"/api/v1/enforcement/cases/{case_id}/transitions", "POST", token=token,
                                  json_body={"action": action, "version": version, "comment": comment})

    assert (await act(inspector, "register", 1)).json["state"] == "registered"
    returned = (await act(supervisor, "return", 2, "请补充驾驶人陈述")).json
    assert returned["state"] == "returned" and returned["comments"][-1]["text"] == "请补充驾驶人陈述"
    fixed = await put(server, inspector, case_id, body(3, legal_basis=BASIS, record={"facts": "补充：驾驶人称临时停车。"}))
    assert fixed.status == 200 and fixed.json["version"] == 4
    assert (await act(inspector, "register", 4)).json["state"] == "registered"
    assert (await act(supervisor, "approve", 5)).json["state"] == "decided"
    assert (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=supervisor)).json["ok"]


async def test_no_cjk_font_is_a_clear_503(server, staff, monkeypatch):
    monkeypatch.setattr(decision_pdf, "_registered", False)
    monkeypatch.setattr(decision_pdf, "font_file", lambda: None)
    case_id = await new_case(server, staff["inspector"])
    r = await decide(server, staff["inspector"], case_id, decision(1))
    assert r.status == 503 and r.json["error"]["code"] == "document.font_missing"
    case = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}", token=staff["inspector"])).json
    assert case["state"] == "draft"


async def test_electronic_service_sends_an_sms_link_that_opens_the_document_once_recorded(server, staff):
    """电子送达: the party's phone gets the approved template with the number and a link token; the
    link's page and PDF open without a login, the first opening is recorded, and a new send retires
    the old link. A gateway that refuses leaves the document issued, the failure shown, to resend."""
    token, phone = staff["inspector"], "13800138123"
    await server.fetch("/sandbox/sms/messages", "DELETE")
    await server.fetch("/sandbox/sms/account", "PUT", json_body={"balance": 0})  # the gateway refuses
    case_id = await new_case(server, token)
    r = await decide(server, token, case_id, decision(1, service={"method": "electronic", "phone": phone, "consent": True}))
    assert r.status == 201, r.body
    document = r.json["document"]
    assert document["service_sms"]["status"] == "failed" and document["service_sms"]["reason"] == "isv.AMOUNT_NOT_ENOUGH"
    assert (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"] == []

    await server.fetch("/sandbox/sms/account", "PUT", json_body={"balance": None})
    resend = f"/api/v1/enforcement/documents/{document['id']}/service-sms"
    assert (await server.fetch(resend, "POST", token=staff["li"])).status == 404  # not a case of theirs
    r = await server.fetch(resend, "POST", token=token)
    assert r.status == 200 and r.json["service_sms"]["status"] == "sent" and r.json["service_opened_at"] is None
    sent = (await server.fetch(f"/sandbox/sms/messages?phone={phone}")).json["messages"]
    assert [m["template_code"] for m in sent] == ["SMS_DOCUMENT_SERVED"]
    assert sent[0]["params"]["number"] == document["number"] and f"/s/{sent[0]['params']['code']}" in sent[0]["text"]
    link = f"/s/{sent[0]['params']['code']}"

    page = await server.fetch(link)
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert document["number"] in page.body.decode() and "王五" not in page.body.decode()
    assert page.headers["Referrer-Policy"] == "no-referrer"
    pdf = await server.fetch(link + ".pdf")
    assert pdf.status == 200 and hashlib.sha256(pdf.body).hexdigest() == document["sha256"]
    listed = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/documents", token=token)).json["documents"]
    opened = listed[0]["service_opened_at"]
    assert opened is not None
    await server.fetch(link)  # a second opening keeps the first time
    listed = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/documents", token=token)).json["documents"]
    assert listed[0]["service_opened_at"] == opened

    await server.fetch("/sandbox/sms/messages", "DELETE")  # the gateway's per-phone limit
    assert (await server.fetch(resend, "POST", token=token)).json["service_sms"]["status"] == "sent"
    gone = await server.fetch(link)
    assert gone.status == 404 and "链接无效" in gone.body.decode()
    assert (await server.fetch(link + ".pdf")).status == 404
    assert (await server.fetch("/s/AAAAAAAAAAAAAAAA")).status == 404


async def test_a_document_served_on_the_spot_has_no_sms(server, staff):
    token = staff["inspector"]
    case_id = await new_case(server, token)
    document = (await decide(server, token, case_id, decision(1))).json["document"]
    assert document["service_sms"] is None
    r = await server.fetch(f"/api/v1/enforcement/documents/{document['id']}/service-sms", "POST", token=token)
    assert r.status == 409 and r.json["error"]["code"] == "document.not_electronic"


async def test_a_site_record_is_signed_or_refused_and_joins_the_chain(server, staff):
    """现场笔录: made from the case's 现场写实 (facts, statements, measures), place and evidence; signed by
    the party, or the refusal written in; the PDF on the chain; the case's state unchanged."""
    token = staff["inspector"]
    record = {"facts": "在禁停路段停车，驾驶人不在现场。", "statements": [{"who": "王五", "text": "马上开走。"}],
              "measures": "拍照取证，张贴违法停车告知单。", "address": "杭州市西湖区文三路 100 号"}
    case_id = await new_case(server, token, record=record)
    assert (await add_photo(server, token, case_id, photo())).status == 201
    case = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}", token=token)).json
    url = f"/api/v1/enforcement/cases/{case_id}/site-record"

    r = await server.fetch(url, "POST", token=token, json_body={"version": case["version"]})
    assert r.status == 422 and "signature" in r.json["error"]["details"]  # neither signed nor refused
    both = {"version": case["version"], "signature": signature(), "party_refused": True}
    assert (await server.fetch(url, "POST", token=token, json_body=both)).status == 422
    assert (await server.fetch(url, "POST", token=staff["li"], json_body={"version": case["version"],
                                                                         "party_refused": True})).status == 404
    stale = await server.fetch(url, "POST", token=token, json_body={"version": case["version"] - 1, "party_refused": True})
    assert stale.status == 409

    r = await server.fetch(url, "POST", token=token, json_body={"version": case["version"], "signature": signature()})
    assert r.status == 201, r.body
    signed, after = r.json["document"], r.json["case"]
    assert signed["kind"] == "site_record" and signed["kind_name"] == "现场笔录" and signed["number"].startswith("XC")
    assert after["state"] == case["state"] and after["version"] == case["version"] + 1
    pdf = await server.fetch(f"/api/v1/enforcement/documents/{signed['id']}.pdf", token=token)
    assert "现场笔录" in pdf.headers["Content-Disposition"] or "%E7%8E%B0" in pdf.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages).replace("\n", "")
    for expected in ("现场笔录", signed["number"], "文三路 100 号", "驾驶人不在现场", "王五：马上开走。",
                     "张贴违法停车告知单", "共 1 份", "执法队员张伟", "尚未立案"):
        assert expected in text, expected

    r = await server.fetch(url, "POST", token=token, json_body={"version": after["version"], "party_refused": True})
    assert r.status == 201
    refused = r.json["document"]
    assert refused["signature_sha256"] is None
    pdf = await server.fetch(f"/api/v1/enforcement/documents/{refused['id']}.pdf", token=token)
    assert "当事人拒绝签名" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)

    verify = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/verify", token=token)).json
    assert verify["ok"], verify
    public = (await server.fetch(f"/api/v1/enforcement/documents/{refused['id']}/verify")).json
    assert public["valid"] and public["kind"] == "现场笔录"
    listed = (await server.fetch(f"/api/v1/enforcement/cases/{case_id}/documents", token=token)).json["documents"]
    assert [d["id"] for d in listed] == [signed["id"], refused["id"]]
