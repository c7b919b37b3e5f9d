"""slmr: send reshape prompts to a small local model, create prompts to a frontier model."""

__version__ = "0.1.0"
