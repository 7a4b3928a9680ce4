"""Local HTTP servers that speak each platform's wire format, with injectable faults.

Reusable by end-to-end tests (import as `tests.destinations.fakes.<platform>`):

    async with FakeMastodon() as fake:          # x, mastodon, bluesky, devto, slack
        config = DestinationConfig(mastodon_base_url=fake.url, mastodon_token=fake.token)
        ...
        assert len(fake.posts) == 1              # what the platform stored
        fake.fail_next(**rate_limited())          # the next request gets a real-looking 429
        fake.fail_next(kind="drop", path=...)     # store, then close the connection unanswered
        fake.fail_next(kind="hang", path=...)     # store, then never answer

Base URLs: FakeX → X_API_URL, FakeMastodon → MASTODON_BASE_URL, FakeBluesky → BLUESKY_SERVICE_URL,
FakeDevTo → DEVTO_API_URL, FakeSlack → SLACK_API_URL as `fake.url + "/api"`.
"""
