"""The worker's jobs: draft runs, publishing with its ledger, leases on outbox rows, the outbox
sweep, giving a job up visibly, cron schedules. worker.py composes them. The only code that
imports pipeline/ and destinations/ (besides the composition roots); may import slack/, blocks/,
parsing/ and storage/, never listeners/ or process/.
"""
