"""Pipeline stages, one module each: collect → curate → plan → write (model) or write_offline →
critique → policy. `runner.DEFAULT_STAGES` is the offline set; `factory.build_stages` the configured one."""
