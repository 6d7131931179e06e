"""The outbox: what leaves the building (SMS notices, the 好差评 push), written with its cause."""
