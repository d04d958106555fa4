"""The action server: chooses the answer from the guidance store.

``rasa run actions`` imports every module of this package and registers each
Action subclass it finds; there is no registry to keep in step.
"""
