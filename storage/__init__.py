"""Tables, migrations, sessions, and the only code that changes a draft's state.

Storage functions never commit: the caller opens `async with sessionmaker.begin():` so that a
state change, its audit event and any outbox job land in one transaction.
"""
