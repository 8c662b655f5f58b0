"""Development helpers shared by scripts/, tests/ and bench/ (plain Python, not part of the addon)."""
