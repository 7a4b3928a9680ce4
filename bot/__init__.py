"""Everything Slack-shaped: the Bolt app, listeners, Block Kit builders, the HTTP server, the CLI."""
