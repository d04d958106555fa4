"""The action server: chooses the answer from the guidance store.

``rasa run actions`` imports every module of this package and registers each
Action subclass it finds; there is no registry to keep in step.
"""

from common import log_privacy, settings

# In the action server itself (not a test importing the package): a bad
# setting stops start-up, and log records are kept free of personal data.
if log_privacy.started_as("rasa_sdk"):
    settings.check()
    log_privacy.install()
