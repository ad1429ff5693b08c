import argparse

import pytest

from api import staffctl
from models import staff
from models.errors import AppError


def test_refuses_without_a_real_database(monkeypatch, capsys):
    monkeypatch.setenv("APP_MODE", "demo")
    monkeypatch.delenv("MONGODB_URI", raising=False)
    assert staffctl.main(["create", "--username", "a", "--role", "admin", "--name", "A"]) == 2
    assert "MONGODB_URI" in capsys.readouterr().err


async def test_create_then_log_in_and_duplicates_refused(database):
    args = argparse.Namespace(username="alice", role="processor", name="张三", department="rsj", team=None)
    created = await staffctl.create(database, args, "a-long-password")
    assert created["department"] == "rsj"
    person = await staff.check_password(database, "alice", "a-long-password")
    assert person["role"] == "processor"
    with pytest.raises(AppError) as err:
        await staffctl.create(database, args, "another-password")
    assert err.value.status == 409
    with pytest.raises(AppError) as err:
        await staffctl.create(database, argparse.Namespace(username="bob", role="processor", name="李四",
                                                           department=None, team=None), "a-long-password")
    assert err.value.code == "staff.department_required"
    with pytest.raises(AppError) as err:
        await staffctl.create(database, argparse.Namespace(username="carol", role="inspector", name="王五",
                                                           department=None, team=None), "a-long-password")
    assert err.value.code == "staff.team_required"
