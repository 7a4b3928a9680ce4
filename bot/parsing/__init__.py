"""Pure readers of what people type or what Signoff wrote into buttons: /draft options, times
and schedules, draft ids. Of the project they import only bot/blocks/text.py (escaping, which
imports nothing), to quote what was typed safely in their problems.
"""
