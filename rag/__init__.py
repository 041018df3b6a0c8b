"""newsrag: answer questions about a news archive with cited passages."""

__version__ = "0.1.0"
