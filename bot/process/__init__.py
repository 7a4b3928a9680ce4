"""The bot process: settings in, a running HTTP server (or Socket Mode connection) out.

May import listeners/, slack/, blocks/ and storage/; only runtime.py (the composition root) reads
settings and builds clients.
"""
