"""Slack output: the Web API client (retries, redaction), pacing, finding a lost post, and posting
or updating a draft's messages exactly once. May import blocks/ and storage/.
"""
