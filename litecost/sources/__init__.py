"""Readers: each turns one input format into canonical `calls` rows."""
