"""The API's routers. Each module offers functions that build its routers; ``app.py`` decides where they mount."""
