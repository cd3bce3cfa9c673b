"""Readable sources of the shipped exercise bank and the builder that turns them into notebooks."""
