"""The Rasa server as WalkWise runs it: stock Rasa 3.6.21 plus the fixes in
:mod:`server.hardening`. Start it with ``python -m server run ...`` (the
scripts do); any ``rasa`` command line works after ``python -m server``."""
