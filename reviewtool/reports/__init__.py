"""reportlab renderers: plain data in, PDF bytes out."""

from reportlab import rl_config

# Process-wide reportlab settings, made here so they precede any import of reportlab.graphics (which
# reads the second at import): binary rather than ASCII85 streams, and no attribute validation on
# chart shapes. Both are pure overhead for finished renderers (about a third of the time of a
# one-chart report) and change nothing on the page.
rl_config.useA85 = 0
rl_config.shapeChecking = 0
