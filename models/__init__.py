from models import messages  # noqa: F401  (Chinese validation messages, installed once on import)
