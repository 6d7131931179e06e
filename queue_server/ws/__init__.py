"""Live events over websockets: one stream, many subscribers, per-topic sequence numbers."""
