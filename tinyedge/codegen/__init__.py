"""Render templates/ into an output folder; no arithmetic about the model here."""
