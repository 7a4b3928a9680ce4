"""A Slack message a draft was started from is evidence for its claims, never a link in the post:
readers outside the workspace cannot open it."""

from __future__ import annotations

from destinations.lengths import measure
from pipeline.base import DraftBrief, RunContext, Source
from pipeline.runner import run_pipeline
from pipeline.stages.collect import collect
from pipeline.stages.critique import critique
from pipeline.stages.curate import curate
from pipeline.stages.plan import plan
from pipeline.stages.policy import check_text
from pipeline.stages.write_offline import write_offline

MESSAGE = Source(
    title="Slack message the draft was started from",
    kind="slack",
    url="https://acme.slack.com/archives/C123/p1700000000000100",
    excerpt="We cut CI time from 40 to 12 minutes by moving to ARM runners.",
)


def test_a_link_to_a_slack_message_is_a_policy_problem() -> None:
    verdict = check_text(
        "Read more: https://acme.slack.com/archives/C123/p1700000000000100", limits={}, blocked_terms=[]
    )
    assert not verdict.ok and "Slack message" in verdict.problems[0]
    assert check_text("Read more: https://slack.com/blog/news", limits={}, blocked_terms=[]).ok


async def test_the_offline_writer_uses_the_message_but_does_not_link_to_it() -> None:
    brief = DraftBrief(topic="faster CI with ARM runners", given_sources=[MESSAGE], limits={"x": 280})
    result = await run_pipeline(brief, RunContext(measure=measure), [collect, curate, plan, write_offline, critique])
    assert "40" in result.text and "slack.com" not in result.text
    assert result.sources and result.sources[0].kind == "slack"  # kept by curate, shown as reference [1]
    assert result.critique is not None
    assert all(c.supported for c in result.critique.claims)
    assert MESSAGE.public_url is None
