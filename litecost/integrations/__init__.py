"""Integrations on the emitting side: what writes the logs litecost reads."""
