"""A local stand-in for Slack: its Web API (`server.LocalSlack`) and its users (`user.SlackUser`).

Used by `signoff demo` and by the end-to-end tests. It speaks Slack's wire formats: JSON Web API
answers with `ok`/`ts`/`channel`, form-encoded slash commands, `payload=` JSON interactions, and
v0 HMAC request signatures.
"""
