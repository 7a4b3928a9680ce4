"""A local stand-in for Slack: its Web API (`server.LocalSlack`), its users (`user.SlackUser`), and
a page people use it through in a browser (`web.Page`, `feed`, `static/`, run by `signoff try`).

Used by `signoff try`, `signoff demo` and the end-to-end tests. It speaks Slack's wire formats: JSON
Web API answers with `ok`/`ts`/`channel`, form-encoded slash commands, `payload=` JSON interactions,
v0 HMAC request signatures, and it refuses Block Kit over Slack's limits as Slack does (`limits`).
"""
