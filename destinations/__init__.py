"""Places an approved draft can be published to, one module per platform behind `base.Destination`."""
