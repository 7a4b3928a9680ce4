"""Pipeline stages, one module each, in the order `runner.DEFAULT_STAGES` lists them."""
