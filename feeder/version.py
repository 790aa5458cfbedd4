"""feeder's version: in a leaf of its own, so modules low in the layers can name it without the package's API."""

__version__ = "0.1.0"
