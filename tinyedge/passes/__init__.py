"""Graph rewrites and analyses, one per module. Passes never emit text."""
