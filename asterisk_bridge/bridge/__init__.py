"""The bridge: AMI and ARI in, domain capabilities, store out."""
