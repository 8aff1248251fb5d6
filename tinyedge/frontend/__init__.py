"""Readers that turn a model file into an ir.Graph."""
