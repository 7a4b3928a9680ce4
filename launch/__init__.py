"""Starting Signoff: the `signoff` command, `signoff dev` and `signoff demo`, the embedded Redis, running
an arq worker inside our event loop, and the local Slack. It composes both processes (bot/ and
worker.py), which is why it lives beside them and not inside bot/.
"""
