"""Support code for the `parallel-chat` tests: a pty screen and a fake model."""
