"""Helpers shared by the tests: real services started as subprocesses."""
