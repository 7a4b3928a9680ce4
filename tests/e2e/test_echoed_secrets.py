"""A model endpoint that quotes its API key back in a refusal: the failure is shown in the thread,
stored and audited, and the key is in none of them (the autouse leak check looks everywhere)."""

from __future__ import annotations

from sqlalchemy import select

from launch.local_slack.stack import LocalStack
from storage.db import create_engine, create_sessionmaker
from storage.models import AuditEvent, Draft, Run
from tests.e2e.fake_llm import FakeLLM

# Not shaped like any known token: only its being configured can keep it out.
MODEL_KEY = "local-model-key-7c1d9e2f"


async def test_a_model_that_echoes_its_key_in_a_401_fails_visibly_without_the_key(
    database_url: str, redis_url: str
) -> None:
    llm = FakeLLM(refuse_key=True)
    await llm.start()
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            llm_base_url=llm.url,
            llm_api_key=MODEL_KEY,
            signoff_fetch_topic_urls=False,
        ) as stack:
            await stack.user("U_CAROL").slash("/draft", "what the model thinks of our key")
            failed = await stack.slack.wait_for(
                lambda: next(
                    (
                        m
                        for m in stack.slack.messages.values()
                        if m.thread_ts and "could not be written" in str(m.blocks)
                    ),
                    None,
                ),
                20,
            )
    finally:
        await llm.stop()
    assert llm.requests, "the model was asked"
    shown = str(failed.blocks)
    assert "The model endpoint refused our credentials (HTTP 401: Incorrect API key provided: [redacted]." in shown
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            draft = await session.scalar(select(Draft))
            run = await session.scalar(select(Run))
            event = await session.scalar(select(AuditEvent).where(AuditEvent.kind == "failed"))
    finally:
        await engine.dispose()
    assert draft is not None and run is not None and event is not None
    assert draft.status == "failed"
    for stored in (draft.last_error, run.error, event.detail["error"]):
        assert stored is not None and "Incorrect API key provided: [redacted]" in stored
