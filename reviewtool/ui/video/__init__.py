"""Playback for the GUI: `PlayerFacade` (signals over the media layer's `RedactedPlayer`), `VideoView`
(paints finished frames) and `Timeline` (tracks, keyframes, blank and mute ranges, playhead)."""
