"""Where each channel lives: the terminal client here, and the Rasa channel
classes that credentials.yml names."""
