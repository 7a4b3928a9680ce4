"""Local HTTP servers that speak each platform's wire format, with injectable faults.

Reused by the end-to-end tests: start one, point the destination's base URL at `url`, inspect
`posts` afterwards.
"""
