"""Slack input: one module per kind of request (commands, buttons, modal submissions, events).

A listener records what was asked (storage/) before it answers Slack, then does the rest in the
background. May import slack/, blocks/, parsing/ and storage/; never jobs/, pipeline/ or destinations/
(what it needs from them arrives in BotDeps, built by process/runtime.py).
"""
