"""The frame the business-model scripts in scripts/ use."""
