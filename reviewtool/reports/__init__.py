"""reportlab renderers: plain data in, PDF bytes out."""
