"""Fixtures for the sandbox tests (helpers live in ``sandbox_testkit``)."""

import pytest_asyncio
from sandbox_testkit import FakeClock, RunningSandbox

from sandbox.app import SandboxState


@pytest_asyncio.fixture
async def make_sandbox():
    """``await make_sandbox(with_sms=False, **SandboxState kwargs)``; all are
    stopped after the test. The state's clock is a FakeClock at START."""
    started = []

    async def start(with_sms=False, clock=None, **state_kwargs):
        clock = clock or FakeClock()
        sb = RunningSandbox(SandboxState(clock=clock, **state_kwargs), clock, with_sms)
        started.append(sb)
        return sb

    yield start
    for sb in started:
        await sb.stop()
