"""The HTTP service: `create_app(settings)` builds the FastAPI app `affectkit serve` runs."""
