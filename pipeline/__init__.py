"""Turning a topic into a draft: stages behind one protocol, run in order by `runner.run_pipeline`."""
