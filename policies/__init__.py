"""Dialogue policies: how the next action is chosen."""
