"""Every pattern is matched in full: `$` also matches before a trailing newline, so a phone number
`"13700006666\\n"` passed and reached the SMS gateway (and made a second resident)."""

import importlib
import pkgutil
import re

from marshmallow import Schema, fields, validate

import models
from models import forms, vehicles


def schemas():
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"models.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                yield value


def regexps(field):
    for validator in field.validators:
        if isinstance(validator, validate.Regexp):
            yield validator
    if isinstance(field, fields.List):
        yield from regexps(field.inner)


def test_every_schema_pattern_is_anchored_at_the_very_end():
    found = []
    for schema in schemas():
        for name, field in schema._declared_fields.items():
            for validator in regexps(field):
                found.append(f"{schema.__name__}.{name}")
                assert validator.regex.pattern.endswith("\\Z"), f"{schema.__name__}.{name}: {validator.regex.pattern}"
    assert len(found) >= 10, found  # the walk reached the schemas


def test_a_trailing_newline_is_refused_by_every_pattern_used_in_code():
    for pattern, good in ((forms.PHONE_RE, "13700006666"), (forms.PLATE_RE, "浙A12345"), (vehicles.PLATE, "浙A12345")):
        assert pattern.match(good)
        assert not pattern.match(good + "\n"), pattern.pattern
    assert not re.match(forms.NAME_RE, "contact_phone\n")


async def test_a_phone_with_a_newline_gets_no_code(server):
    r = await server.fetch("/api/v1/auth/app/otp", "POST", json_body={"phone": "13700006666\n"})
    assert r.status == 422 and "phone" in r.json["error"]["details"]
    sent = (await server.fetch("/sandbox/sms/messages?phone=13700006666")).json["messages"]
    assert sent == []
