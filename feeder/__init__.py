"""feeder: Markdown posts in, standards-correct feeds and a weekly email digest out."""

__version__ = "0.1.0"
