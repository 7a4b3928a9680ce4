"""Pure readers of what people type or what Signoff wrote into buttons: /draft options, times
and schedules, draft ids. Imports nothing from the project.
"""
