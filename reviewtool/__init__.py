"""reviewtool: community scrutiny of stop and search."""

__version__ = "0.1.0"
