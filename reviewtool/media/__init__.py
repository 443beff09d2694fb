"""Qt-free media: ingest pass, FrameIndex, libvlc player, redaction rendering."""
