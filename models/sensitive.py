"""Sensitive answers of a form (`forms.sensitive_fields`): encrypted at rest, masked when shown.

An application keeps in `form` what may be shown to whoever sees it (a mask in place of each
sensitive answer) and in `form_enc` each sensitive answer's ciphertext by field name. The
ciphertext holds the answer as JSON, so a number or a list comes back as it was sent. Only
`reveal` opens them: for the resident, for the department's processor (audited), and for a
department system at the moment of sending.
"""

import json

from models.errors import Invalid
from models.pii import mask_address, mask_id, mask_phone, mask_text

EXPECTED_LENGTH = {"id_number": 18, "phone": 11}
MASKS = {"id_number": mask_id, "phone": mask_phone, "address": mask_address}


def mask(kind: str, value) -> str:
    if not isinstance(value, str):
        return "***"
    if kind in EXPECTED_LENGTH and len(value) != EXPECTED_LENGTH[kind]:  # old data: mask_id would show it all
        return mask_text(value)
    return MASKS.get(kind, mask_text)(value)


def seal(form: dict, kinds: dict[str, str], pii) -> tuple[dict, dict]:
    """(the form with masks in place of its sensitive answers, {name: ciphertext}); an
    unanswered field (absent, null, "") has nothing to hide and stays as it is."""
    shown, sealed = dict(form), {}
    for name, kind in kinds.items():
        value = form.get(name)
        if value is None or value == "":
            continue
        sealed[name] = pii.encrypt(json.dumps(value, ensure_ascii=False))
        shown[name] = mask(kind, value)
    return shown, sealed


def reveal(doc: dict, names: list[str] | None, pii) -> dict:
    """{name: clear answer} of the named sensitive fields of an application (all when None)."""
    sealed = doc.get("form_enc") or {}
    unknown = sorted(set(names or ()) - set(sealed))
    if unknown:
        raise Invalid({"fields": [f"没有这个敏感字段：{', '.join(unknown)}"]})
    return {name: json.loads(pii.decrypt(sealed[name])) for name in (names or sorted(sealed))}
